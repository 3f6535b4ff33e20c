// `run_if` in a pipeline file: what the loader makes of it (defaults, the connection its query
// runs on, where a relative marker starts) and what the runtime takes from it; a setting
// without effect warned at its place. Errors with their places:
// tests/data/config/broken/pipeline_run_if_errors.
#include <catch2/catch.hpp>

#include "tasks/runtime_from_config.hpp"
#include "tests/support/config_run.hpp"
#include "tests/support/config_samples.hpp"
#include "tests/support/files.hpp"
#include "tests/support/paths.hpp"

using namespace sluice;
using namespace std::chrono_literals;

namespace {

constexpr const char* kDaemon = R"(connections:
  pg:
    kind: postgres
    url: postgresql://sluice@localhost/sluice
  control:
    kind: mysql
    url: mysql://reader@localhost/control
  files:
    kind: file
    root: /data/landing
)";

config::Config load(const test::TempDir& dir, const std::string& pipeline) {
  test::write_file(dir.path() / "sluice.yaml", kDaemon);
  test::write_file(dir.path() / "pipelines.d" / "p.yaml", pipeline);
  return test::load_test_config(dir.path() / "sluice.yaml", config::Environment::fixed({}));
}

}  // namespace

TEST_CASE("run_if: a query runs on the source's connection unless another is named",
          "[config][run_if]") {
  test::TempDir dir;
  auto c = load(dir, test::kPipelineConfig + std::string("run_if:\n  sql: SELECT true\n"));
  const auto& p = c.pipelines.at(0);
  REQUIRE(p.run_if);
  CHECK(p.run_if->sql == "SELECT true");
  CHECK(p.run_if->connection == "pg");
  CHECK_FALSE(p.run_if->skip);
  CHECK(p.run_if->give_up_after == time::Duration{0, 24h});
  CHECK(c.warnings.empty());
  auto runtime = tasks::runtime_from_config(c, p);
  REQUIRE(runtime);
  const auto& r = (*runtime)->run_if;
  REQUIRE(r);
  CHECK(r->runner != nullptr);
  CHECK(r->connection == "pg");
  CHECK(r->give_up_after == 24h);

  c = load(dir, test::kPipelineConfig +
                    std::string("run_if:\n  sql: SELECT 1 FROM done WHERE day = :target_day\n"
                                "  connection: control\n  on_false: skip\n"));
  CHECK(c.pipelines.at(0).run_if->connection == "control");
  CHECK(c.pipelines.at(0).run_if->skip);
}

TEST_CASE("run_if: a SQL pipeline's query runs on its target's server", "[config][run_if]") {
  test::TempDir dir;
  const auto c = load(dir,
                      "id: int_orders\nkind: sql\ntarget:\n  connection: pg\n  table: int_orders\n"
                      "  time_column: event_time\nsql:\n  insert: INSERT INTO int_orders SELECT * "
                      "FROM src\nwindow:\n  granularity: 1h\n  start_date: 2024-03-01\n"
                      "run_if:\n  sql: SELECT :window_end <= max(t) FROM src\n");
  CHECK(c.pipelines.at(0).run_if->connection == "pg");
}

TEST_CASE("run_if: every kind of condition reaches the runtime", "[config][run_if]") {
  test::TempDir dir;
  const auto c = load(dir,
                      "id: landing\nsource:\n  connection: files\n  path: "
                      "events/{window_start:%Y/%m/%d}.csv\ntarget:\n  connection: pg\n  table: "
                      "landing\n  time_column: t\nwindow:\n  granularity: 1d\n  start_date: "
                      "2024-03-01\nschedule:\n  timezone: Europe/Zurich\n"
                      "run_if:\n  min_source_rows: 1000\n  file_exists: "
                      "events/{window_start:%Y/%m/%d}/_SUCCESS\n  calendar: [2024-12-25, sat, "
                      "Sunday]\n  give_up_after: 6h\n");
  const auto& p = c.pipelines.at(0);
  REQUIRE(p.run_if);
  CHECK(p.run_if->min_source_rows == 1000);
  CHECK(p.run_if->file_exists->text() == "events/{window_start:%Y/%m/%d}/_SUCCESS");
  CHECK(p.run_if->file_root == "/data/landing");
  CHECK(p.run_if->calendar.dates.size() == 1);
  CHECK(p.run_if->calendar.weekdays[0]);  // Sunday
  CHECK(p.run_if->calendar.weekdays[6]);  // Saturday
  CHECK_FALSE(p.run_if->calendar.weekdays[1]);
  CHECK_FALSE(p.run_if->sql);
  auto runtime = tasks::runtime_from_config(c, p);
  REQUIRE(runtime);
  const auto& r = (*runtime)->run_if;
  REQUIRE(r);
  CHECK(r->runner == nullptr);
  CHECK(r->min_source_rows == 1000);
  CHECK(r->file_root == "/data/landing");
  CHECK(r->give_up_after == 6h);
  CHECK_FALSE((*runtime)->run_if->skip);
}

TEST_CASE("run_if: no section, no conditions", "[config][run_if]") {
  test::TempDir dir;
  const auto c = load(dir, test::kPipelineConfig);
  CHECK_FALSE(c.pipelines.at(0).run_if);
  auto runtime = tasks::runtime_from_config(c, c.pipelines.at(0));
  REQUIRE(runtime);
  CHECK_FALSE((*runtime)->run_if);
}

TEST_CASE("run_if: give_up_after with on_false skip is accepted with a warning at its place",
          "[config][run_if]") {
  test::TempDir dir;
  const auto c = load(
      dir, test::kPipelineConfig + std::string("run_if:\n  calendar: [sunday]\n  on_false: skip\n"
                                               "  give_up_after: 2h\n"));
  REQUIRE(c.warnings.size() == 1);
  const auto& w = c.warnings[0];
  CHECK(w.where.line == 15);
  CHECK(w.where.column == 18);
  CHECK(w.path == "run_if.give_up_after");
  CHECK(w.message ==
        "has no effect with on_false: skip (a window whose condition is false is SKIPPED at "
        "once)");
}
