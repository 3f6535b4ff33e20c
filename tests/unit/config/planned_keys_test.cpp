// Keys that are documented and accepted but that nothing reads yet: a config that sets one
// loads, with a warning naming the key and where it stands; the reference says "Planned".
#include <algorithm>

#include <catch2/catch.hpp>

#include "framework/config/keys.hpp"
#include "framework/config/load.hpp"
#include "framework/schema/key_table.hpp"
#include "tests/support/config_samples.hpp"
#include "tests/support/files.hpp"
#include "tests/support/paths.hpp"

using namespace sluice;

namespace {

config::Config load(const std::string& daemon_extra, const std::string& pipeline_extra,
                    const test::TempDir& dir) {
  test::write_file(dir.path() / "sluice.yaml", std::string(test::kDaemonConfig) + daemon_extra);
  test::write_file(dir.path() / "pipelines.d" / "events.yaml",
                   std::string(test::kPipelineConfig) + pipeline_extra);
  const auto env = config::Environment::fixed({});
  auto c = config::load_config(dir.path() / "sluice.yaml", {&env, true});
  if (!c)
    for (const auto& d : c.error()) UNSCOPED_INFO(config::to_string(d));
  REQUIRE(c);
  return std::move(*c);
}

std::vector<std::string> warnings_of(const config::Config& c) {
  std::vector<std::string> out;
  for (const auto& w : c.warnings) out.push_back(config::to_string(w));
  return out;
}

}  // namespace

TEST_CASE("a config that sets no planned key loads without warnings", "[config][planned]") {
  test::TempDir dir;
  CHECK(load("", "", dir).warnings.empty());
}

TEST_CASE("each planned key set is a warning naming file, line, column and key",
          "[config][planned]") {
  test::TempDir dir;
  const auto c = load("",
                      "tags: [a, b]\n"
                      "notifications:\n"
                      "  email_list: [ops@example.com]\n"
                      "  email_on_retry: true\n"
                      "  webhooks:\n"
                      "    - url: https://hooks.example.com/x\n",
                      dir);
  const std::string pipeline = (dir.path() / "pipelines.d" / "events.yaml").string();
  const std::string says = std::string(config::kPlannedWarning);
  CHECK(warnings_of(c) == std::vector<std::string>{
                              pipeline + ":14:3: notifications.email_list: " + says,
                              pipeline + ":15:3: notifications.email_on_retry: " + says,
                              pipeline + ":16:3: notifications.webhooks: " + says,
                          });
  // Accepted as before: the values are there, nothing else is refused.
  CHECK(c.pipelines.at(0).tags == std::vector<std::string>{"a", "b"});
}

TEST_CASE("a planned section written empty is no warning", "[config][planned]") {
  test::TempDir dir;
  CHECK(load("", "notifications: {}\n", dir).warnings.empty());
}

TEST_CASE("the reference marks exactly the planned keys", "[config][planned]") {
  const std::string reference = config::render_key_reference();
  const auto row = [&](const std::string& key) {
    const auto at = reference.find("| `" + key + "` |");
    REQUIRE(at != std::string::npos);
    return reference.substr(at, reference.find('\n', at) - at);
  };
  for (const char* key : {"notifications", "notifications.email_list", "notifications.webhooks"}) {
    INFO(key);
    CHECK(row(key).find("**Planned, not implemented yet**") != std::string::npos);
  }
  for (const char* key :
       {"workers", "paused", "window.granularity", "http", "http.listen", "tags"}) {
    INFO(key);
    CHECK(row(key).find("Planned") == std::string::npos);
  }
}
