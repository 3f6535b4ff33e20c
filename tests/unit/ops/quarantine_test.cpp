// How sluicectl and the API show a quarantined pipeline (daemon/ops/): a status row in state
// `config_error` with its place, with or without a definition, and a clear refusal for the
// commands that would act on it.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "daemon/ops/selection.hpp"
#include "daemon/ops/views.hpp"
#include "framework/config/load.hpp"
#include "tests/support/config_samples.hpp"
#include "tests/support/files.hpp"
#include "tests/support/paths.hpp"

using namespace sluice;
using nlohmann::json;

namespace {

// `events` (valid) and `broken` (an unknown key on line 12) over the sample daemon file.
config::Config quarantined_config(const test::TempDir& dir) {
  test::write_file(dir.path() / "sluice.yaml", test::kDaemonConfig);
  std::string broken = test::kPipelineConfig;
  broken.replace(broken.find("id: events"), 10, "id: broken");
  test::write_file(dir.path() / "pipelines.d" / "events.yaml", test::kPipelineConfig);
  test::write_file(dir.path() / "pipelines.d" / "broken.yaml", broken + "bogus: 1\n");
  const auto env = config::Environment::fixed({});
  auto c = config::load_config_isolating(dir.path() / "sluice.yaml", {&env, true});
  REQUIRE(c);
  REQUIRE(c->quarantined.size() == 1);
  return std::move(*c);
}

store::PipelineCounts counts(const std::string& id) {
  store::PipelineCounts c;
  c.pipeline = id;
  c.pending = 3;
  return c;
}

}  // namespace

TEST_CASE("a quarantined pipeline is a status row in state config_error with its place",
          "[ops][isolation]") {
  test::TempDir dir;
  const auto config = quarantined_config(dir);
  const Instant now{Seconds{1'720'000'000}};
  const auto rows = ops::pipeline_statuses(config, {counts("broken"), counts("events")}, now);
  REQUIRE(rows.size() == 2);
  const auto broken = ops::pipeline_status_json(rows[0]);
  CHECK(rows[0].pipeline == nullptr);
  CHECK(broken["pipeline"] == "broken");
  CHECK(broken["state"] == "config_error");
  CHECK(broken["backlog"] == 3);  // its records, untouched
  CHECK(broken["next_due"].is_null());
  CHECK(broken["timezone"] == "UTC");  // the daemon's
  const auto& e = broken["config_error"];
  CHECK(e["file"] == (dir.path() / "pipelines.d" / "broken.yaml").string());
  CHECK(e["line"] == 12);
  CHECK(e["column"] == 1);
  CHECK(e["path"] == "bogus");
  CHECK(e["running_previous_definition"] == false);
  const auto events = ops::pipeline_status_json(rows[1]);
  CHECK(events["state"] == "active");
  CHECK(events["config_error"].is_null());

  // Kept at its previous definition (as the daemon marks it on reload): the loaded row
  // carries the error and says so.
  auto kept = config;
  kept.quarantined[0].pipeline.value = "events";
  kept.quarantined[0].kept_previous = true;
  const auto kept_rows = ops::pipeline_statuses(kept, {counts("events")}, now);
  REQUIRE(kept_rows.size() == 1);
  const auto row = ops::pipeline_status_json(kept_rows[0]);
  CHECK(kept_rows[0].pipeline != nullptr);
  CHECK(row["state"] == "config_error");
  CHECK(row["config_error"]["running_previous_definition"] == true);
  CHECK_FALSE(row["next_due"].is_null());
}

TEST_CASE("acting on a quarantined pipeline is refused with its config error", "[ops][isolation]") {
  test::TempDir dir;
  const auto config = quarantined_config(dir);
  const auto p = ops::find_pipeline(config, "broken");
  REQUIRE_FALSE(p);
  CHECK(p.error().kind == ops::Refusal::Kind::not_found);
  const auto& message = p.error().message;
  CHECK(message.starts_with("pipeline 'broken' is not loaded: config error " +
                            (dir.path() / "pipelines.d" / "broken.yaml").string() +
                            ":12:1: bogus: unknown key 'bogus'"));
  CHECK(message.ends_with(" (see `sluicectl validate`)"));
}
