// What sluicectl and the API check before mark-success, a forced backfill or a tag filter
// touch the database (daemon/ops/accept.*, backfill.*, selection.*), in each dialect.
#include <catch2/catch.hpp>

#include "daemon/ops/accept.hpp"
#include "daemon/ops/backfill.hpp"
#include "daemon/ops/selection.hpp"
#include "tests/support/api_services.hpp"
#include "tests/support/config_samples.hpp"

using namespace sluice;
using ops::Dialect;
using Kind = ops::Refusal::Kind;

namespace {

std::string tagged(const std::string& id, const std::string& tags) {
  std::string text = test::kPipelineConfig;
  text.replace(text.find("id: events"), 10, "id: " + id);
  return text + "tags: " + tags + "\n";
}

struct Env {
  test::TempDir dir;
  std::shared_ptr<const config::Config> config =
      test::api_config(dir, {{"events", tagged("events", "[billing, eu]")},
                             {"orders", tagged("orders", "[billing]")},
                             {"audit", tagged("audit", "[]")}});
};

std::vector<std::string> ids(const std::vector<const config::PipelineConfig*>& pipelines) {
  std::vector<std::string> out;
  for (const auto* p : pipelines) out.push_back(p->id.value);
  return out;
}

}  // namespace

TEST_CASE("a tag filter keeps the pipelines with any of the tags and refuses an unknown tag",
          "[ops][tag]") {
  Env e;
  using V = std::vector<std::string>;
  const auto billing = ops::tagged_pipelines(*e.config, {"billing"}, Dialect::cli);
  REQUIRE(billing);
  CHECK(ids(*billing).size() == 2);
  const auto eu = ops::tagged_pipelines(*e.config, {"eu"}, Dialect::cli);
  REQUIRE(eu);
  CHECK(ids(*eu) == V{"events"});
  const auto both = ops::tagged_pipelines(*e.config, {"eu", "billing"}, Dialect::cli);
  REQUIRE(both);
  CHECK(ids(*both).size() == 2);

  const auto cli = ops::tagged_pipelines(*e.config, {"billing", "bilIing"}, Dialect::cli);
  REQUIRE_FALSE(cli);
  CHECK(cli.error().kind == Kind::bad_input);
  CHECK(cli.error().field == "tag");
  CHECK(cli.error().suggestion == "billing");
  CHECK(cli.error().message ==
        "--tag: no pipeline has the tag 'bilIing' (did you mean 'billing'?); tags: billing eu");
  const auto api = ops::tagged_pipelines(*e.config, {"zzzzzzzz"}, Dialect::api);
  REQUIRE_FALSE(api);
  CHECK(api.error().message == "tag: no pipeline has the tag 'zzzzzzzz'; tags: billing eu");

  // Through the selection: the records of the tagged pipelines.
  const auto s = ops::resolve_selection(*e.config, {.tags = {"eu"}}, Dialect::cli);
  REQUIRE(s);
  REQUIRE(s->records.pipelines);
  CHECK(*s->records.pipelines == V{"events"});
  CHECK_FALSE(ops::resolve_selection(*e.config, {.tags = {"nope"}}, Dialect::cli));
  const auto none = ops::resolve_selection(*e.config, {}, Dialect::cli);
  REQUIRE(none);
  CHECK_FALSE(none->records.pipelines);
}

TEST_CASE("mark-success is refused for a blank or long reason, an unknown pipeline, a bad window",
          "[ops][mark_success]") {
  Env e;
  struct Case {
    const char* name;
    ops::AcceptInput in;
    Kind kind;
    const char* field;
    const char* cli_says;
  };
  const std::string long_reason(1001, 'r');
  const std::vector<Case> cases{
      {"no reason",
       {.pipeline = "events", .window = "2024-03-01"},
       Kind::bad_input,
       "reason",
       "--reason: required"},
      {"blank reason",
       {.pipeline = "events", .window = "2024-03-01", .reason = "\n \t\r"},
       Kind::bad_input,
       "reason",
       "--reason: required"},
      {"long reason",
       {.pipeline = "events", .window = "2024-03-01", .reason = long_reason},
       Kind::bad_input,
       "reason",
       "--reason: 1001 characters, at most 1000"},
      {"unknown pipeline",
       {.pipeline = "event", .window = "2024-03-01", .reason = "r"},
       Kind::not_found,
       "pipeline",
       "did you mean 'events'?"},
      {"no window",
       {.pipeline = "events", .reason = "r"},
       Kind::bad_input,
       "window",
       "WINDOW: required"},
      {"bad window",
       {.pipeline = "events", .window = "2024-02-30", .reason = "r"},
       Kind::bad_input,
       "window",
       "WINDOW: "},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const auto cli = ops::resolve_accept(*e.config, c.in, Dialect::cli);
    REQUIRE_FALSE(cli);
    CHECK(cli.error().kind == c.kind);
    CHECK(cli.error().field == c.field);
    CHECK(cli.error().message.find(c.cli_says) != std::string::npos);
    const auto api = ops::resolve_accept(*e.config, c.in, Dialect::api);
    REQUIRE_FALSE(api);
    CHECK(api.error().message.find("--") == std::string::npos);
  }
  // 1000 characters of two bytes each are 2000 bytes, and allowed; the window is floored.
  std::string reason;
  for (int i = 0; i < 1000; ++i) reason += "\xc3\xa9";
  const auto ok = ops::resolve_accept(
      *e.config, {.pipeline = "events", .window = "2024-03-01T05:59:59Z", .reason = reason},
      Dialect::cli);
  REQUIRE(ok);
  CHECK(format_utc(ok->window_start) == "2024-03-01T05:00:00Z");
}

TEST_CASE("a backfill's force needs reprocess all", "[ops][force]") {
  Env e;
  for (const char* mode : {"missing", "failed"}) {
    INFO(mode);
    const auto r = ops::resolve_backfill(*e.config,
                                         {.pipeline = "events",
                                          .from = "2024-03-01",
                                          .to = "2024-03-02",
                                          .reprocess = mode,
                                          .force = true},
                                         Dialect::cli);
    REQUIRE_FALSE(r);
    CHECK(r.error().field == "force");
    CHECK(r.error().message == std::string("--force needs --reprocess all (got '") + mode +
                                   "'): it reloads every window of the range");
  }
  const auto all = ops::resolve_backfill(*e.config,
                                         {.pipeline = "events",
                                          .from = "2024-03-01",
                                          .to = "2024-03-02",
                                          .reprocess = "all",
                                          .force = true},
                                         Dialect::api);
  REQUIRE(all);
  CHECK(all->force);
}
