// Every directory under tests/data/config/broken/ is a config with something wrong and, in
// expected.txt, the exact diagnostics it must produce (paths relative to the directory).
#include <algorithm>
#include <sstream>

#include <catch2/catch.hpp>

#include "framework/config/load.hpp"
#include "tests/support/files.hpp"
#include "tests/support/paths.hpp"

namespace fs = std::filesystem;
using namespace sluice;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

std::vector<fs::path> broken_cases() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(test::data_dir() / "config" / "broken")) {
    if (e.is_directory()) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> diagnostics_of(const fs::path& dir) {
  // An empty environment: references to variables are unset, whatever runs the tests.
  const auto env = config::Environment::fixed({});
  const auto loaded = config::load_config(dir / "sluice.yaml", {&env, true});
  if (loaded) return {};
  std::vector<std::string> out;
  const std::string prefix = dir.string() + "/";
  for (const auto& d : loaded.error()) {
    std::string line = config::to_string(d);
    for (auto at = line.find(prefix); at != std::string::npos; at = line.find(prefix)) {
      line.erase(at, prefix.size());
    }
    out.push_back(line);
  }
  return out;
}

}  // namespace

TEST_CASE("every broken config reports exactly its expected errors", "[config][broken]") {
  const auto cases = broken_cases();
  REQUIRE(cases.size() >= 30);
  for (const auto& dir : cases) {
    SECTION(dir.filename().string()) {
      const auto expected = lines_of(test::read_file(dir / "expected.txt"));
      REQUIRE_FALSE(expected.empty());
      CHECK(diagnostics_of(dir) == expected);
    }
  }
}

TEST_CASE("broken configs report every error of every file at once, sorted", "[config][broken]") {
  const auto env = config::Environment::fixed({});
  const auto dir = test::data_dir() / "config" / "broken" / "many_errors_in_two_files";
  const auto loaded = config::load_config(dir / "sluice.yaml", {&env, true});
  REQUIRE_FALSE(loaded);
  const auto& found = loaded.error();
  REQUIRE(found.size() == 5);
  CHECK(std::is_sorted(found.begin(), found.end()));
  // Lines 10, 14 and 16 of the pipeline file: numeric order, not text order.
  CHECK(found[0].where.line == 10);
  CHECK(found[2].where.line == 16);
  CHECK(found.back().where.file == (dir / "sluice.yaml").string());
}
