// libFuzzer target: any bytes as a config through the loader (daemon file + one pipeline
// file, split at the first line `---8<---`), then `config show` and `validate -o json` of
// what it gives. Nothing may crash, hang or leak; an alias bomb or deep nesting is refused,
// not walked; a secret from the environment never shows in a diagnostic or in `config show`.
// Built by tests/fuzz/CMakeLists.txt, run by deploy/lib/fuzz.sh.
// fuzz-options: -max_len=8192
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "framework/config/load.hpp"
#include "framework/config/show.hpp"

namespace fs = std::filesystem;
using namespace sluice;

namespace {

constexpr std::string_view kSecret = "S3cr3t-from-env";

// One directory per process, rewritten for every input.
const fs::path& work_dir() {
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / ("sluice-config-fuzz-" + std::to_string(::getpid()));
    fs::create_directories(d / "pipelines.d");
    fs::create_directories(d / "creds");
    std::ofstream(d / "creds" / "token") << "cred-" << kSecret << "\n";
    std::ofstream(d / "pw.txt") << "file-" << kSecret << "\n";
    return d;
  }();
  return dir;
}

void write(const fs::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

bool shows_secret(const std::string& text) {
  return text.find(kSecret) != std::string::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  constexpr std::string_view separator = "\n---8<---\n";
  const auto cut = input.find(separator);
  const fs::path& dir = work_dir();
  write(dir / "sluice.yaml", input.substr(0, cut));
  write(dir / "pipelines.d" / "p.yaml",
        cut == std::string_view::npos ? std::string_view() : input.substr(cut + separator.size()));
  // The fuzzer's own text may name the secret; then showing it is no leak.
  const bool written = input.find(kSecret) != std::string_view::npos;

  static const auto env =
      config::Environment::fixed({{"PW", "env-" + std::string(kSecret)},
                                  {"HOST", "db.example.com"},
                                  {"CREDENTIALS_DIRECTORY", (dir / "creds").string()}});
  for (const bool resolve : {true, false}) {
    const auto loaded = config::load_config(dir / "sluice.yaml", {&env, resolve});
    if (!loaded) {
      const std::string json =
          config::diagnostics_json(loaded.error())
              .dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
      for (const auto& d : loaded.error()) {
        if (!written && shows_secret(config::to_string(d))) __builtin_trap();
      }
      if (!written && shows_secret(json)) __builtin_trap();
      continue;
    }
    const auto database = config::resolve_database_url("", &loaded->daemon.database, env);
    const auto shown =
        config::effective_config(*loaded, database ? std::optional(*database) : std::nullopt);
    const std::string json =
        shown.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    const std::string yaml = config::to_yaml(shown);
    if (!written && (shows_secret(json) || shows_secret(yaml))) __builtin_trap();
  }
  return 0;
}
