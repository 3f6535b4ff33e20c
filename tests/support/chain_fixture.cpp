#include "tests/support/chain_fixture.hpp"

#include <stdexcept>
#include <thread>

#include <catch2/catch.hpp>

#include "framework/adapters/postgres/postgres.hpp"
#include "framework/adapters/stage_local/local_stage.hpp"
#include "framework/config/load.hpp"
#include "tasks/runtime_from_config.hpp"
#include "tests/support/files.hpp"

namespace sluice::test {

ChainFixture::ChainFixture() {
  db_.migrate();
  exec(
      "CREATE TABLE src (id bigint, event_time timestamptz NOT NULL, note text, amount "
      "numeric(12,2));"
      "CREATE INDEX ON src (event_time);"
      "CREATE TABLE dst (LIKE src); CREATE INDEX ON dst (event_time);");
}

void ChainFixture::seed_source(int windows, int rows_per_window) {
  exec(
      "INSERT INTO src SELECT w * 100000 + i, '2024-01-01T00:00:00Z'::timestamptz + w * interval "
      "'1 hour' + "
      "i * (interval '1 hour' / " +
      std::to_string(rows_per_window) +
      "), "
      "CASE WHEN i % 5 = 0 THEN NULL ELSE E'row ' || i || E' \\t ünï \\n \"q\"' END, i * 1.25 "
      "FROM generate_series(0, " +
      std::to_string(windows - 1) + ") w, generate_series(0, " +
      std::to_string(rows_per_window - 1) + ") i");
}

std::shared_ptr<tasks::PipelineRuntime> ChainFixture::pipeline(int windows,
                                                               const std::string& id) const {
  auto p = std::make_shared<tasks::PipelineRuntime>();
  p->id = PipelineId{id};
  p->source_name = "source_db";
  p->target_name = "target_db";
  p->source = adapters::postgres::make_source({db_.url(), std::nullopt, "src", "event_time"});
  p->target = adapters::postgres::make_target({db_.url(), "dst", "event_time"});
  p->stage = std::make_shared<adapters::LocalStage>(stage_.path());
  p->windows.granularity = *time::Granularity::parse("1h");
  p->windows.zone = time::utc_zone();
  p->windows.start = kFixtureStart;
  p->windows.end = kFixtureStart + std::chrono::hours(windows);
  p->windows.catchup = true;
  p->business_fields.emplace("path",
                             *time::FieldTemplate::parse("{pipeline}/{window_start:%Y/%m/%d/%H}"));
  p->check_fields = {"path"};
  p->max_retries = 3;
  p->backoff = {std::chrono::seconds(1), std::chrono::seconds(2)};
  p->max_active_windows = 8;
  return p;
}

tasks::RunnerOptions ChainFixture::runner_options(int workers) const {
  tasks::RunnerOptions o;
  o.database_url = db_.url();
  o.workers = workers;
  o.heartbeat_interval = std::chrono::milliseconds(300);
  return o;
}

std::int64_t ChainFixture::count(const std::string& sql) const {
  auto c = db_.connect();
  return test::count(*c, sql);
}

void ChainFixture::exec(const std::string& sql) const {
  auto c = db_.connect();
  run_sql(*c, sql);
}

std::int64_t ChainFixture::source_target_difference() const {
  return count(
      "SELECT count(*) FROM ((SELECT * FROM src WHERE event_time < (SELECT max(window_end_time) "
      "FROM pipeline_records) "
      "EXCEPT ALL SELECT * FROM dst) UNION ALL (SELECT * FROM dst EXCEPT ALL SELECT * FROM src)) "
      "d");
}

std::int64_t ChainFixture::difference(const std::string& expected, const std::string& table) const {
  return count("SELECT count(*) FROM ((" + expected + " EXCEPT ALL SELECT * FROM " + table +
               ") UNION ALL (SELECT * FROM " + table + " EXCEPT ALL " + expected + ")) d");
}

std::string ChainFixture::error_messages() const {
  auto c = db_.connect();
  auto r = test::run_sql(
      *c, "SELECT coalesce(string_agg(DISTINCT error_message, ' | '), '') FROM pipeline_records");
  return r[0][0].c_str();
}

void ChainFixture::forget_records() const {
  exec("DELETE FROM pipeline_events; DELETE FROM pipeline_records");
}

std::shared_ptr<const tasks::PipelineRuntime> ChainFixture::runtime_from_yaml(
    const std::filesystem::path& dir, const std::string& name, const std::string& yaml,
    const std::string& connections, std::map<std::string, std::string> env) const {
  write_file(dir / "sluice.yaml",
             "stage:\n  root: " + stage_.path().string() +
                 "\nconnections:\n  warehouse:\n    kind: postgres\n    url: ${env:PG_URL}\n" +
                 connections);
  write_file(dir / "pipelines.d" / name, yaml);
  env.emplace("PG_URL", db_.url());
  const auto environment = config::Environment::fixed(std::move(env));
  auto loaded = config::load_config(dir / "sluice.yaml", {&environment, true});
  if (!loaded) {
    for (const auto& d : loaded.error()) UNSCOPED_INFO(config::to_string(d));
  }
  REQUIRE(loaded);
  auto p = tasks::runtime_from_config(*loaded, loaded->pipelines.at(0));
  if (!p) FAIL(p.error().message);
  return *p;
}

tasks::RunSummary run_until_settled(const ChainFixture& f,
                                    std::shared_ptr<const tasks::PipelineRuntime> pipeline,
                                    Instant now, int rounds) {
  return run_until_settled(f, std::vector{std::move(pipeline)}, now, rounds);
}

tasks::RunSummary run_until_settled(
    const ChainFixture& f, std::vector<std::shared_ptr<const tasks::PipelineRuntime>> pipelines,
    Instant now, int rounds, const std::string& holder) {
  auto options = f.runner_options(2);
  options.holder = holder;
  tasks::Runner runner(options, std::move(pipelines));
  tasks::RunSummary total;
  for (int i = 0; i < rounds; ++i) {
    auto s = runner.run_once(now);
    if (!s) throw std::runtime_error(s.error().message);
    total += *s;
    if (f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status IN ('PENDING', "
                "'IN_PROGRESS')") == 0)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return total;
}

}  // namespace sluice::test
