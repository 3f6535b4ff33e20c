// The record selection sluicectl and the API share (daemon/ops/selection.*): what each refuses,
// in which field, spelled for each side.
#include <catch2/catch.hpp>

#include "daemon/ops/selection.hpp"
#include "tests/support/api_services.hpp"
#include "tests/support/config_samples.hpp"

using namespace sluice;
using ops::Dialect;
using Kind = ops::Refusal::Kind;

namespace {

struct Env {
  test::TempDir dir;
  std::shared_ptr<const config::Config> config =
      test::api_config(dir, {{"events", test::kPipelineConfig}});
};

}  // namespace

TEST_CASE("a selection is refused for the field at fault, in each dialect", "[ops][selection]") {
  Env e;
  struct Case {
    const char* name;
    ops::SelectionInput in;
    Kind kind;
    const char* field;
    const char* cli_says;
  };
  const std::vector<Case> cases{
      {"unknown pipeline",
       {.pipeline = "event"},
       Kind::not_found,
       "pipeline",
       "unknown pipeline 'event' (did you mean 'events'?)"},
      {"bad from", {.pipeline = "events", .from = "someday"}, Kind::bad_input, "from", "--from: "},
      {"to before from",
       {.pipeline = "events", .from = "2024-03-02", .to = "2024-03-01"},
       Kind::bad_input,
       "to",
       "--to (2024-03-01T00:00:00+00:00) must be after --from"},
      {"unknown status",
       {.statuses = {"SUCESS"}},
       Kind::bad_input,
       "status",
       "--status: unknown status 'SUCESS' (did you mean 'SUCCESS'?)"},
      {"unknown trigger", {.trigger = "cron"}, Kind::bad_input, "trigger", "--trigger: 'cron'"},
      {"window without pipeline",
       {.windows = {"2024-03-01"}},
       Kind::bad_input,
       "window",
       "--window needs a pipeline"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const auto cli = ops::resolve_selection(*e.config, c.in, Dialect::cli);
    REQUIRE_FALSE(cli);
    CHECK(cli.error().kind == c.kind);
    CHECK(cli.error().field == c.field);
    CHECK_THAT(cli.error().message, Catch::Contains(c.cli_says));
    const auto api = ops::resolve_selection(*e.config, c.in, Dialect::api);
    REQUIRE_FALSE(api);
    CHECK(api.error().field == c.field);
    CHECK(api.error().message.find("--") == std::string::npos);
  }
}

TEST_CASE("a good selection narrows by every field given", "[ops][selection]") {
  Env e;
  const auto s = ops::resolve_selection(*e.config,
                                        {.pipeline = "events",
                                         .from = "2024-03-01",
                                         .to = "2024-03-02",
                                         .statuses = {"failed"},
                                         .trigger = "backfill"},
                                        Dialect::api);
  REQUIRE(s);
  CHECK(s->records.pipeline->value == "events");
  CHECK(s->records.statuses == std::vector<store::Status>{store::Status::failed});
  CHECK(s->records.trigger == Trigger::backfill);
  CHECK(*s->records.to - *s->records.from == std::chrono::hours(24));
  CHECK(s->pipeline->id.value == "events");
}
