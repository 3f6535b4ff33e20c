// process_backfill_requests against a real database: requests become windows once, however
// many processors race for them; reprocess modes reset exactly what they name; a running
// window stays with its run; backfill windows run under their own limit.
#include <catch2/catch.hpp>

#include <thread>

#include "framework/store/backfill.hpp"
#include "tasks/backfill.hpp"
#include "tasks/lease_keeper.hpp"
#include "tasks/runner.hpp"
#include "tests/support/chain_fixture.hpp"

using namespace sluice;
using namespace std::chrono_literals;

namespace {

using test::kNow;
const Instant kDay = test::kFixtureStart + std::chrono::hours(24);

std::int64_t request(const test::ChainFixture& f, Instant from, Instant to, const char* reprocess) {
  auto c = f.db().connect();
  store::Backfills b(*c, "test");
  return *b.insert({PipelineId{"orders"}, from, to, *store::parse_reprocess(reprocess), "tester"},
                   {.actor = "tester", .command = "backfill"});
}

// Callable from any thread: Catch's assertions are not, so the caller checks the result.
Result<tasks::BackfillPass> try_process(const test::ChainFixture& f,
                                        std::shared_ptr<tasks::PipelineRuntime> p,
                                        const std::string& holder) {
  auto c = f.db().connect();
  std::vector<std::shared_ptr<const tasks::PipelineRuntime>> ps{std::move(p)};
  return tasks::process_backfill_requests(*c, ps, kNow, {.holder = holder});
}

tasks::BackfillPass process(const test::ChainFixture& f, std::shared_ptr<tasks::PipelineRuntime> p,
                            const std::string& holder = "proc:1") {
  auto pass = try_process(f, std::move(p), holder);
  REQUIRE(pass);
  return *pass;
}

std::string status_of_request(const test::ChainFixture& f, std::int64_t id) {
  auto c = f.db().connect();
  return test::run_sql(
             *c, "SELECT status FROM backfill_requests WHERE id = " + std::to_string(id))[0][0]
      .as<std::string>();
}

}  // namespace

TEST_CASE("a backfill request creates its range's windows as backfill records and ends DONE",
          "[integration][backfill]") {
  test::ChainFixture f;
  f.seed_source(24, 2);
  auto p = f.pipeline(24 * 30);
  const auto id = request(f, test::kFixtureStart, kDay, "missing");
  const auto pass = process(f, p);
  REQUIRE(pass.taken.size() == 1);
  CHECK(pass.taken[0].windows == 24);
  CHECK(pass.taken[0].created == 24);
  CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE trigger = 'backfill' AND "
                "pipeline_status = 'PENDING'") == 24);
  CHECK(
      f.count(
          "SELECT count(*) FROM backfill_requests WHERE status = 'RUNNING' AND windows_total = 24 "
          "AND claimed_by = 'proc:1'") == 1);
  // The schedule's frontier ignores backfill windows: it still starts at start_date.
  tasks::Runner runner(f.runner_options(2), {p});
  CHECK(runner.drain().success == 24);
  // The last window's end settled the request; a later pass has nothing left to finish.
  CHECK(status_of_request(f, id) == "DONE");
  CHECK(process(f, p).finished == 0);
  CHECK(f.count("SELECT windows_done FROM backfill_requests") == 24);
  CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE dag_run_id NOT LIKE 'backfill__%'") ==
        0);
  CHECK(f.source_target_difference() == 0);
}

TEST_CASE("two processors racing over overlapping requests never make a second record",
          "[integration][backfill][threads]") {
  test::ChainFixture f;
  auto p = f.pipeline(24 * 30);
  for (int i = 0; i < 6; ++i)
    request(f, test::kFixtureStart + std::chrono::hours(12 * i), kDay + std::chrono::hours(48),
            "missing");
  std::vector<Result<tasks::BackfillPass>> results(2);
  std::thread a([&] { results[0] = try_process(f, p, "proc:a"); });
  std::thread b([&] { results[1] = try_process(f, p, "proc:b"); });
  a.join();
  b.join();
  REQUIRE(results[0]);
  REQUIRE(results[1]);
  const std::vector<tasks::BackfillPass> passes{*results[0], *results[1]};
  CHECK(passes[0].taken.size() + passes[1].taken.size() == 6);  // each request taken once
  std::int64_t created = 0;
  for (const auto& pass : passes)
    for (const auto& t : pass.taken) created += t.created;
  CHECK(created == 72);  // 2024-01-01T00 .. 2024-01-04T00: 72 distinct windows
  CHECK(f.count("SELECT count(*) FROM pipeline_records") == 72);
  CHECK(f.count("SELECT count(*) FROM backfill_requests WHERE status = 'RUNNING'") == 6);
  CHECK(f.count("SELECT count(DISTINCT claimed_by) FROM backfill_requests") >= 1);
}

TEST_CASE("reprocess modes reset exactly the statuses they name and never a running window",
          "[integration][backfill]") {
  struct Case {
    const char* reprocess;
    std::int64_t reset;
    const char* pending_after;  // statuses (by window hour) that are PENDING afterwards
  };
  for (const auto& c :
       {Case{"missing", 0, "4"}, Case{"failed", 1, "2,4"}, Case{"all", 3, "0,1,2,4"}}) {
    DYNAMIC_SECTION(c.reprocess) {
      test::ChainFixture f;
      auto p = f.pipeline(24);
      // Hours 0..3 exist: SUCCESS, SKIPPED, FAILED, IN_PROGRESS (held by a live run); hour 4 is
      // missing.
      tasks::Runner runner(f.runner_options(1), {p});
      REQUIRE(*runner.generate(kNow) == 24);
      f.exec("DELETE FROM pipeline_records WHERE window_start_time >= '2024-01-01T04:00Z'");
      f.exec(
          "UPDATE pipeline_records SET pipeline_status = 'SUCCESS', phase_completed = 'AUDIT', "
          "source_count = 5 "
          "WHERE window_start_time = '2024-01-01T00:00Z';"
          "UPDATE pipeline_records SET pipeline_status = 'SKIPPED' WHERE window_start_time = "
          "'2024-01-01T01:00Z';"
          "UPDATE pipeline_records SET pipeline_status = 'FAILED', error_message = 'boom', "
          "retry_attempt = 3 "
          "WHERE window_start_time = '2024-01-01T02:00Z';"
          "UPDATE pipeline_records SET pipeline_status = 'IN_PROGRESS', dag_run_id = "
          "'scheduled__live', "
          "pipeline_locked_at = now(), heartbeat_at = now() WHERE window_start_time = "
          "'2024-01-01T03:00Z'");
      request(f, test::kFixtureStart, test::kFixtureStart + 5h, c.reprocess);
      const auto pass = process(f, p);
      REQUIRE(pass.taken.size() == 1);
      CHECK(pass.taken[0].created == 1);
      CHECK(pass.taken[0].reset == c.reset);
      CHECK(pass.taken[0].running == 1);
      CHECK(f.count("SELECT count(*) FROM pipeline_records") == 5);
      CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'IN_PROGRESS' "
                    "AND dag_run_id = 'scheduled__live'") == 1);
      const auto pending = f.count(
          std::string("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'PENDING' "
                      "AND extract(hour FROM window_start_time)::int = ANY('{") +
          c.pending_after + "}'::int[])");
      CHECK(pending == 1 + c.reset);
      CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'PENDING'") ==
            1 + c.reset);
      // A reset starts from the first task with a clean slate, under the backfill trigger.
      CHECK(f.count(
                "SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'PENDING' AND "
                "(trigger <> 'backfill' "
                "OR phase_completed IS NOT NULL OR error_message IS NOT NULL OR retry_attempt <> 0 "
                "OR source_count IS NOT NULL)") == 0);
      CHECK(f.count("SELECT count(*) FROM pipeline_events WHERE task = 'operator' AND outcome = "
                    "'RERUN'") == c.reset);
    }
  }
}

TEST_CASE("a dry-run request counts its windows, changes no record and ends DONE",
          "[integration][backfill]") {
  test::ChainFixture f;
  auto p = f.pipeline(48);
  f.exec(
      "INSERT INTO backfill_requests (pipeline_id, from_time, to_time, dry_run) "
      "VALUES ('orders', '2024-01-01T00:00Z', '2024-01-02T00:00Z', true)");
  const auto pass = process(f, p);
  REQUIRE(pass.taken.size() == 1);
  CHECK(pass.taken[0].windows == 24);
  CHECK(f.count("SELECT count(*) FROM pipeline_records") == 0);
  CHECK(
      f.count(
          "SELECT count(*) FROM backfill_requests WHERE status = 'DONE' AND windows_total = 24") ==
      1);
}

TEST_CASE("requests of pipelines a processor does not know are left for another",
          "[integration][backfill]") {
  test::ChainFixture f;
  auto p = f.pipeline(48);
  f.exec(
      "INSERT INTO backfill_requests (pipeline_id, from_time, to_time) "
      "VALUES ('elsewhere', '2024-01-01T00:00Z', '2024-01-02T00:00Z')");
  CHECK(process(f, p).taken.empty());
  CHECK(f.count("SELECT count(*) FROM backfill_requests WHERE status = 'PENDING'") == 1);
}

TEST_CASE("a failed backfill window ends the request FAILED with a count",
          "[integration][backfill]") {
  test::ChainFixture f;
  auto p = f.pipeline(48);
  const auto id = request(f, test::kFixtureStart, test::kFixtureStart + 3h, "missing");
  process(f, p);
  f.exec(
      "UPDATE pipeline_records SET pipeline_status = 'SUCCESS' WHERE window_start_time < "
      "'2024-01-01T02:00Z';"
      "UPDATE pipeline_records SET pipeline_status = 'FAILED' WHERE window_start_time = "
      "'2024-01-01T02:00Z'");
  CHECK(process(f, p).finished == 1);
  CHECK(status_of_request(f, id) == "FAILED");
  CHECK(f.count("SELECT count(*) FROM backfill_requests WHERE message = '1 of 3 windows FAILED'") ==
        1);
}

TEST_CASE(
    "backfill windows take their own slots: a live window is claimed despite a backfill backlog",
    "[integration][backfill]") {
  test::ChainFixture f;
  auto p = f.pipeline(24 * 30);
  request(f, test::kFixtureStart, kDay, "missing");
  process(f, p);  // 24 backfill windows PENDING
  tasks::Runner runner(f.runner_options(1), {p});
  f.exec(
      "INSERT INTO pipeline_records (pipeline_id, window_start_time, window_end_time, target_day, "
      "time_interval) "
      "VALUES ('orders', '2024-01-10T00:00Z', '2024-01-10T01:00Z', '2024-01-10', '1h')");
  auto c = f.db().connect();
  store::Records records(*c, "test:1");
  const std::vector<store::ClaimLimit> limits{{PipelineId{"orders"}, 1, 1}};
  // Live first, then one backfill window; the backfill limit (1) stops a second.
  auto first = *records.claim(limits);
  REQUIRE(first);
  CHECK(first->trigger == Trigger::scheduled);
  auto second = *records.claim(limits);
  REQUIRE(second);
  CHECK(second->trigger == Trigger::backfill);
  CHECK_FALSE(*records.claim(limits));
}

TEST_CASE("the end of a request's last window settles the request, with no processor pass after",
          "[integration][backfill]") {
  test::ChainFixture f;
  f.seed_source(2, 3);
  auto p = f.pipeline(24 * 30);
  const auto id = request(f, test::kFixtureStart, test::kFixtureStart + 2h, "missing");
  REQUIRE(process(f, p).taken.size() == 1);
  CHECK(status_of_request(f, id) == "RUNNING");
  // One worker runs one window, then the other: the request follows each end.
  auto c = f.db().connect();
  store::Records records(*c, "worker:1");
  tasks::LeaseKeeper leases(f.db().url(), "worker:1", 1s);
  int runs = 0;
  const tasks::WorkerSource one_at_a_time{[&] { return tasks::claimable({p}); },
                                          [&] { return runs++ == 0; }};
  CHECK(tasks::claim_and_run(records, leases, one_at_a_time).summary.success == 1);
  CHECK(f.count("SELECT windows_done FROM backfill_requests") == 1);
  CHECK(status_of_request(f, id) == "RUNNING");
  runs = 0;
  CHECK(tasks::claim_and_run(records, leases, one_at_a_time).summary.success == 1);
  CHECK(f.count("SELECT windows_done FROM backfill_requests") == 2);
  CHECK(status_of_request(f, id) == "DONE");
  CHECK(f.count("SELECT count(*) FROM backfill_requests WHERE finished_at IS NOT NULL") == 1);
}
