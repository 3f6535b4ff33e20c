// libFuzzer target: any bytes as one API request through api::handle — the method (line 1),
// the target (line 2), the Authorization header (line 3; the console's Cookie header when it
// starts with `Cookie: `), the Content-Type header (line 4), the body (the rest). A console
// path also goes through api::console_response. Routing, path and query decoding, tokens, roles and
// JSON bodies run on it; the database is out of reach, so nothing is written. Nothing may crash,
// hang or leak; every answer has a known status and a JSON body; no answer shows a configured
// token. Built by tests/fuzz/CMakeLists.txt, run by deploy/lib/fuzz.sh. fuzz-options: -max_len=4096
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <string_view>

#include "daemon/api/api.hpp"
#include "daemon/api/console.hpp"
#include "framework/config/load.hpp"

namespace fs = std::filesystem;
using namespace sluice;

namespace {

constexpr std::string_view kToken = "fuzz-admin-token-9f8e7d6c";

// The database never answers: each request ends at its first store call, as in an outage.
// The connection `pg` points at a port nothing listens on, so a fuzzed connection test is
// refused at once.
class FuzzServices final : public api::Services {
 public:
  FuzzServices() {
    const fs::path dir =
        fs::temp_directory_path() / ("sluice-api-fuzz-" + std::to_string(::getpid()));
    fs::create_directories(dir / "pipelines.d");
    std::ofstream(dir / "sluice.yaml")
        << "connections:\n  pg:\n    kind: postgres\n    url: postgresql://x@127.0.0.1:1/x\n"
        << "http:\n  tokens:\n    - {name: root, role: admin, token: " << kToken << "}\n"
        << "    - {name: dash, role: viewer, token: fuzz-viewer-token-0123}\n";
    std::ofstream(dir / "pipelines.d" / "events.yaml")
        << "id: events\nsource:\n  connection: pg\n  table: t\n  time_column: at\n"
        << "target:\n  connection: pg\n  table: u\nwindow:\n  granularity: 1h\n"
        << "  start_date: 2024-03-01\ntags: [a]\n";
    auto loaded = config::load_config(dir / "sluice.yaml");
    if (!loaded) __builtin_trap();
    config_ = std::make_shared<const config::Config>(std::move(*loaded));
  }
  std::shared_ptr<const config::Config> config() const override { return config_; }
  Result<pqxx::connection*> database() override {
    Error e = Error::retryable("the fuzzer has no database");
    e.connection_lost = true;
    return fail(e);
  }
  Instant now() const override { return Instant{Seconds{1'750'000'000}}; }
  std::string host() const override { return "fuzz:1"; }
  Result<void> ready() override { return fail(Error::retryable("no database")); }
  std::string metrics() override { return "# none\n"; }

 private:
  std::shared_ptr<const config::Config> config_;
};

std::string_view next_line(std::string_view& input) {
  const auto end = input.find('\n');
  const auto line = input.substr(0, end);
  input.remove_prefix(end == std::string_view::npos ? input.size() : end + 1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static FuzzServices services;
  static const std::set<int> known{200, 204, 304, 400, 401, 403, 404, 405, 409, 413, 415, 500, 503};
  std::string_view input(reinterpret_cast<const char*>(data), size);
  api::Request request;
  request.method = std::string(next_line(input));
  request.target = std::string(next_line(input));
  request.authorization = std::string(next_line(input));
  if (request.authorization.starts_with("Cookie: ")) {
    request.cookie = request.authorization.substr(8);
    request.authorization.clear();
  }
  request.content_type = std::string(next_line(input));
  request.body = std::string(input);
  request.client = "127.0.0.1:1";
  const bool written = std::string_view(reinterpret_cast<const char*>(data), size).find(kToken) !=
                       std::string_view::npos;

  const auto response = api::handle(request, services);
  if (!known.contains(response.status)) __builtin_trap();
  if (response.status == 500) __builtin_trap();  // no input may reach an internal error
  if (response.content_type.find("json") != std::string::npos &&
      nlohmann::json::parse(response.body, nullptr, false).is_discarded())
    __builtin_trap();
  if (!written && response.body.find(kToken) != std::string::npos) __builtin_trap();
  const std::string_view target = request.target;
  if (api::is_console_path(target.substr(0, target.find('?'))) &&
      !known.contains(api::console_response(request).status))
    __builtin_trap();
  return 0;
}
