// Keys that are documented and accepted but that nothing reads yet: a config that sets one
// loads, with a warning naming the key and where it stands; the reference says "Planned".
// None is planned today (notifications landed); the rule stays for the next one.
#include <algorithm>

#include <catch2/catch.hpp>

#include "framework/config/keys.hpp"
#include "framework/config/load.hpp"
#include "framework/schema/key_table.hpp"
#include "framework/schema/node_check.hpp"
#include "tests/support/config_samples.hpp"
#include "tests/support/files.hpp"
#include "tests/support/paths.hpp"

using namespace sluice;
using namespace sluice::config;

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

TEST_CASE("a planned key set is a warning naming file, line, column and key, and its value is kept",
          "[config][planned]") {
  // No key of this version is planned: the rule is checked on a table of its own.
  static const KeyTable planned{
      "test",
      "",
      {{.name = "later", .type = KeyType::string_list, .description = "x", .planned = true},
       {.name = "now", .type = KeyType::boolean, .description = "y"}}};
  Diagnostics diags;
  CheckContext ctx;
  ctx.file = "f.yaml";
  ctx.diags = &diags;
  const auto node = YAML::Load("now: true\nlater: [a, b]\n");
  const auto fields = check_section(node, {&planned}, "", {"f.yaml", 1, 1}, ctx);
  const auto warnings = diags.sorted_warnings();
  REQUIRE(warnings.size() == 1);
  CHECK(config::to_string(warnings[0]) ==
        "f.yaml:2:1: later: " + std::string(config::kPlannedWarning));
  CHECK(fields.value_or<std::vector<std::string>>("later", {}) ==
        std::vector<std::string>{"a", "b"});
}

TEST_CASE("notifications and tags are read, not planned", "[config][planned]") {
  test::TempDir dir;
  const auto c = load(
      "notifications:\n  smtp:\n    url: smtp://127.0.0.1:2525\n"
      "    from: sluice@example.com\n",
      "tags: [a, b]\n"
      "notifications:\n"
      "  email_list: [ops@example.com]\n"
      "  email_on_retry: true\n"
      "  webhooks:\n"
      "    - url: https://hooks.example.com/x\n",
      dir);
  CHECK(warnings_of(c).empty());
  const auto& n = c.pipelines.at(0).notifications;
  CHECK(n.email_list == std::vector<std::string>{"ops@example.com"});
  CHECK(n.email_on_retry);
  REQUIRE(n.webhooks.size() == 1);
  CHECK(n.webhooks[0].name == "webhook1");
  CHECK(n.webhooks[0].events ==
        std::vector<std::string>{"failure", "sla_missed", "backfill_failed", "config_error"});
  CHECK(c.pipelines.at(0).tags == std::vector<std::string>{"a", "b"});
}

TEST_CASE("e-mail addresses without a mail server are a warning, not silence",
          "[config][planned]") {
  test::TempDir dir;
  const auto c = load("", "notifications:\n  email_list: [ops@example.com]\n", dir);
  REQUIRE(c.warnings.size() == 1);
  CHECK(config::to_string(c.warnings[0]).find("no e-mail is sent") != std::string::npos);
}

TEST_CASE("the reference marks no key planned now", "[config][planned]") {
  const std::string reference = config::render_key_reference();
  CHECK(reference.find("**Planned, not implemented yet**") == std::string::npos);
  CHECK(reference.find("| `notifications.webhooks[].secret` |") != std::string::npos);
  CHECK(reference.find("| `notifications.smtp.url` |") != std::string::npos);
}
