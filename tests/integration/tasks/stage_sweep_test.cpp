// The sweep of stage directories against a real PostgreSQL: of windows staged in every state,
// only those finished for good (SUCCESS, SKIPPED, FAILED longer ago than keep_failed) lose
// their stage; running, resumable, pending, unknown and foreign ones keep it, and a record
// another transaction holds is left for the next sweep. run-once (Runner::run_once) sweeps.
#include <catch2/catch.hpp>

#include <pqxx/transaction>

#include "framework/adapters/stage_local/local_stage.hpp"
#include "tasks/stage_sweep.hpp"
#include "tests/support/chain_fixture.hpp"
#include "tests/support/files.hpp"

using namespace sluice;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

using test::kNow;
const time::Duration kWeek{0, Seconds{7 * 86400}};

Instant hour(int h) {
  return test::kFixtureStart + std::chrono::hours(h);
}

adapters::WindowContext window_of(const tasks::PipelineRuntime& p, int h) {
  return {p.id, Window{hour(h), hour(h + 1)}, RunId{"scheduled__run" + std::to_string(h)}};
}

// A complete stage (data file and manifest) of window `h`, as a killed worker leaves it.
void stage_window(const tasks::PipelineRuntime& p, int h) {
  auto writer = p.stage->open_writer(window_of(p, h));
  REQUIRE(writer);
  REQUIRE((*writer)->begin(std::vector<adapters::Column>{{"id"}}));
  REQUIRE((*writer)->row(std::vector<adapters::Field>{std::string_view("1")}));
  REQUIRE((*writer)->commit());
}

bool staged(const adapters::LocalStage& stage, const tasks::PipelineRuntime& p, int h) {
  return fs::exists(stage.window_dir(window_of(p, h)));
}

// Sets window `h`'s record as a run would have left it; `age` back-dates its last update.
void set_record(const test::ChainFixture& f, const tasks::PipelineRuntime& p, int h,
                const std::string& assignments, const std::string& age = "0 seconds") {
  f.exec(
      "ALTER TABLE pipeline_records DISABLE TRIGGER pipeline_records_touch;"
      "UPDATE pipeline_records SET " +
      assignments + ", record_last_updated_time = now() - interval '" + age +
      "' WHERE pipeline_id = '" + p.id.value + "' AND window_start_time = '" + format_utc(hour(h)) +
      "';"
      "ALTER TABLE pipeline_records ENABLE TRIGGER pipeline_records_touch");
}

Result<std::int64_t> sweep(const test::ChainFixture& f,
                           std::vector<std::shared_ptr<const tasks::PipelineRuntime>> pipelines,
                           std::size_t batch = 500, time::Duration keep_failed = kWeek) {
  auto c = f.db().connect();
  return tasks::sweep_stage(*c, pipelines, {keep_failed, batch});
}

}  // namespace

TEST_CASE("the stage sweep removes only the stage of windows finished for good",
          "[integration][stage][sweep]") {
  test::ChainFixture f;
  auto p = f.pipeline(10);
  const auto& stage = static_cast<const adapters::LocalStage&>(*p->stage);
  tasks::Runner runner(f.runner_options(1), {p});
  REQUIRE(runner.generate(kNow));  // ten PENDING records, hours 0..9
  set_record(f, *p, 0, "pipeline_status = 'SUCCESS', phase_completed = 'AUDIT'");
  set_record(f, *p, 1, "pipeline_status = 'SKIPPED', phase_completed = 'PRE_VALIDATION'");
  set_record(f, *p, 2, "pipeline_status = 'FAILED', phase_completed = 'STAGE_TO_TARGET'", "8 days");
  set_record(f, *p, 3, "pipeline_status = 'FAILED', phase_completed = 'STAGE_TO_TARGET'", "6 days");
  set_record(f, *p, 4,
             "pipeline_status = 'IN_PROGRESS', dag_run_id = 'scheduled__x', "
             "pipeline_locked_at = now(), phase_completed = 'SOURCE_TO_STAGE'");
  set_record(f, *p, 5, "phase_completed = 'SOURCE_TO_STAGE', retry_attempt = 1");  // resumable
  // 6: PENDING, never run. 7: SUCCESS, and also a second pipeline's window of the same hour.
  set_record(f, *p, 7, "pipeline_status = 'SUCCESS'");
  f.exec("DELETE FROM pipeline_records WHERE window_start_time = '" + format_utc(hour(8)) + "'");
  for (int h = 0; h <= 9; ++h) stage_window(*p, h);  // 8: no record at all
  auto other = f.pipeline(10, "other");
  for (int h : {0, 7}) stage_window(*other, h);  // no record of `other` anywhere
  // A killed write's temp file, and names the stage never writes.
  test::write_file(stage.window_dir(window_of(*p, 0)) / ".data-scheduled__y.copy.tmp", "x");
  fs::create_directories(stage.window_dir(window_of(*p, 0)).parent_path() / "notes");
  fs::create_directories(stage.window_dir(window_of(*p, 0)).parent_path() / "20240101T000000Z.old");

  for (std::size_t batch : {1, 3, 500}) {
    DYNAMIC_SECTION("batches of " << batch) {
      auto removed = sweep(f, {p, other}, batch);
      REQUIRE(removed);
      CHECK(*removed == 4);
      for (int h : {0, 1, 2, 7}) CHECK_FALSE(staged(stage, *p, h));
      for (int h : {3, 4, 5, 6, 8, 9}) CHECK(staged(stage, *p, h));
      for (int h : {0, 7}) CHECK(staged(stage, *other, h));
      const fs::path pipeline_dir = stage.window_dir(window_of(*p, 0)).parent_path();
      CHECK(fs::exists(pipeline_dir / "notes"));
      CHECK(fs::exists(pipeline_dir / "20240101T000000Z.old"));
      // Nothing more to do: a second sweep removes nothing.
      CHECK(*sweep(f, {p, other}, batch) == 0);
      // The FAILED window's stage goes once keep_failed has passed.
      CHECK(*sweep(f, {p}, batch, time::Duration{0, Seconds{5 * 86400}}) == 1);
      CHECK_FALSE(staged(stage, *p, 3));
    }
  }
}

TEST_CASE("the stage sweep leaves a window whose record another transaction holds",
          "[integration][stage][sweep]") {
  test::ChainFixture f;
  auto p = f.pipeline(2);
  const auto& stage = static_cast<const adapters::LocalStage&>(*p->stage);
  tasks::Runner runner(f.runner_options(1), {p});
  REQUIRE(runner.generate(kNow));
  for (int h : {0, 1}) {
    set_record(f, *p, h, "pipeline_status = 'SUCCESS'");
    stage_window(*p, h);
  }
  {
    // An operator's rerun of window 0 in progress: its UPDATE holds the row.
    auto c = f.db().connect();
    pqxx::work tx(*c);
    tx.exec("SELECT 1 FROM pipeline_records WHERE window_start_time = '" + format_utc(hour(0)) +
            "' FOR UPDATE");
    CHECK(*sweep(f, {p}) == 1);
    CHECK(staged(stage, *p, 0));
    CHECK_FALSE(staged(stage, *p, 1));
    tx.commit();
  }
  CHECK(*sweep(f, {p}) == 1);
  CHECK_FALSE(staged(stage, *p, 0));
}

TEST_CASE("the stage sweep walks many windows in bounded batches", "[integration][stage][sweep]") {
  test::ChainFixture f;
  auto p = f.pipeline(300);
  const auto& stage = static_cast<const adapters::LocalStage&>(*p->stage);
  tasks::Runner runner(f.runner_options(1), {p});
  REQUIRE(runner.generate(kNow));
  f.exec(
      "UPDATE pipeline_records SET pipeline_status = CASE WHEN extract(epoch FROM "
      "window_start_time)::bigint / 3600 % 3 = 0 THEN 'PENDING' ELSE 'SUCCESS' END");
  for (int h = 0; h < 300; ++h) fs::create_directories(stage.window_dir(window_of(*p, h)));
  auto removed = sweep(f, {p}, 64);
  REQUIRE(removed);
  CHECK(*removed == 200);
  int left = 0;
  for (const auto& e : fs::directory_iterator(stage.window_dir(window_of(*p, 0)).parent_path())) {
    (void)e;
    ++left;
  }
  CHECK(left == 100);
}

TEST_CASE("run-once sweeps the stage a killed worker left behind", "[integration][stage][sweep]") {
  test::ChainFixture f;
  f.seed_source(2, 10);
  auto p = f.pipeline(2);
  const auto& stage = static_cast<const adapters::LocalStage&>(*p->stage);
  auto options = f.runner_options(1);
  tasks::Runner runner(options, {p});
  auto first = runner.run_once(kNow);
  REQUIRE(first);
  CHECK(first->success == 2);
  CHECK(first->swept == 0);
  // A worker killed after the audit, before its cleanup: SUCCESS, with its stage left.
  stage_window(*p, 1);
  auto second = runner.run_once(kNow);
  REQUIRE(second);
  CHECK(second->swept == 1);
  CHECK_FALSE(staged(stage, *p, 1));
}

TEST_CASE("a window found loaded removes the stage an earlier run left",
          "[integration][stage][sweep]") {
  test::ChainFixture f;
  f.seed_source(1, 10);
  f.exec("INSERT INTO dst SELECT * FROM src");
  auto p = f.pipeline(1);
  const auto& stage = static_cast<const adapters::LocalStage&>(*p->stage);
  stage_window(*p, 0);  // e.g. a FAILED run's, rerun by an operator
  tasks::Runner runner(f.runner_options(1), {p});
  auto summary = runner.run_once(kNow);
  REQUIRE(summary);
  CHECK(summary->skipped == 1);
  CHECK(summary->swept == 0);  // the chain removed it, not the sweep after it
  CHECK_FALSE(staged(stage, *p, 0));
}
