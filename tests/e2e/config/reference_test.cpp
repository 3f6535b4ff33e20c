// The README's configuration reference is the key tables' own rendering: an added or changed
// key that was not regenerated into the README fails here, naming the command that fixes it.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "tests/support/paths.hpp"
#include "tests/support/process.hpp"

namespace {

std::string demoted(const std::string& markdown) {
  std::istringstream in(markdown);
  std::string out, line;
  while (std::getline(in, line)) out += (line.starts_with('#') ? "##" : "") + line + "\n";
  return out;
}

std::string readme_reference() {
  std::ifstream file(std::string(SLUICE_SOURCE_DIR) + "/README.md");
  std::stringstream text;
  text << file.rdbuf();
  const std::string readme = text.str();
  const std::string begin = "<!-- BEGIN KEY REFERENCE (deploy/gen-reference.sh) -->\n";
  const std::string end = "<!-- END KEY REFERENCE -->";
  const auto b = readme.find(begin);
  const auto e = readme.find(end);
  if (b == std::string::npos || e == std::string::npos || e < b) return "(no reference markers)";
  return readme.substr(b + begin.size(), e - b - begin.size());
}

}  // namespace

TEST_CASE("the README's key reference is what `config keys` prints", "[e2e][config]") {
  const auto r = sluice::test::run_process(
      {(sluice::test::binary_dir() / "daemon" / "sluicectl").string(), "config", "keys"});
  REQUIRE(r.exit_code == 0);
  INFO("out of date: run deploy/gen-reference.sh");
  CHECK(readme_reference() == demoted(r.out));
}
