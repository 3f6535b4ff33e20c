// Several windows per claim (sql/migrations/0017_claim_windows.sql) and several task writes
// per statement on a real PostgreSQL: a batch stays within the pipeline's live/backfill limit,
// its pool's free slots and its dependencies, and never passes a window of another pipeline
// of its pool; each window gets its own run ID and claim event; claimers racing for one
// backlog never share a window; the batched write is fenced row by row, and commits without
// waiting for its flush (as a claim does) only when every write in it ends an empty window;
// the backfill settle of several windows reads a request's range only when asked or when the
// range is done.
#include <catch2/catch.hpp>

#include <atomic>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <pqxx/pqxx>

#include "framework/store/backfill.hpp"
#include "framework/store/dependencies.hpp"
#include "framework/store/records.hpp"
#include "tests/support/claim_fixture.hpp"

using namespace sluice;

namespace {

void finish(store::Connection& c, const std::vector<store::Record>& batch,
            const std::string& status = "SUCCESS") {
  for (const auto& r : batch)
    test::run_sql(c, fmt::format("UPDATE pipeline_records SET pipeline_status = '{}' WHERE id = {}",
                                 status, r.id.value));
}

store::TaskWrite skipped() {
  store::TaskWrite w;
  w.task = store::Task::pre_validation;
  w.outcome = store::Outcome::skipped;
  w.move = store::Move::skip;
  w.phase_completed = store::Phase::pre_validation;
  w.source_count = 0;
  w.target_count = 0;
  w.rows = 0;
  w.message = "source and target both hold 0 rows: already loaded";
  return w;
}

}  // namespace

TEST_CASE_METHOD(
    test::ClaimFixture,
    "a batch takes a pipeline's oldest windows up to its free slots, each with its own run "
    "ID and claim event",
    "[integration][store][claim]") {
  hours_of(*c, "a", "2024-01-01T00:00Z", 10, "backfill");
  store::Records records(*c, "host:1");
  const std::vector<store::ClaimLimit> limits{limit("a", 1, 4)};
  const auto first = claim_batch(records, limits, 8);
  CHECK(names(first) == "a 00, a 01, a 02, a 03");
  std::set<std::string> runs;
  for (const auto& r : first) {
    CHECK(r.status == store::Status::in_progress);
    CHECK(r.run.value.rfind("backfill__", 0) == 0);
    CHECK(r.locked_by == "host:1");
    runs.insert(r.run.value);
  }
  CHECK(runs.size() == 4);
  CHECK(test::count(*c,
                    "SELECT count(DISTINCT dag_run_id) FROM pipeline_events WHERE task = "
                    "'claim' AND outcome = 'CLAIMED'") == 4);
  CHECK(test::count(*c,
                    "SELECT count(*) FROM pipeline_events e JOIN pipeline_records r ON "
                    "r.id = e.record_id AND r.dag_run_id = e.dag_run_id WHERE e.task = "
                    "'claim'") == 4);
  CHECK(claim_batch(records, limits, 8).empty());  // the backfill limit is reached
  finish(*c, {first[0], first[2]});
  CHECK(names(claim_batch(records, limits, 8)) == "a 04, a 05");
  CHECK(running(*c, "a") == 4);
  // At most what is asked.
  finish(*c, first);
  CHECK(names(claim_batch(records, limits, 1)) == "a 06");
}

TEST_CASE_METHOD(test::ClaimFixture,
                 "a batch is one pipeline's and one kind's, in the single claim's order",
                 "[integration][store][claim]") {
  hours_of(*c, "a", "2024-01-01T05:00Z", 2);
  hours_of(*c, "a", "2024-01-01T00:00Z", 3, "backfill");
  hours_of(*c, "b", "2024-01-01T02:00Z", 2);
  store::Records records(*c, "host:1");
  const std::vector<store::ClaimLimit> limits{limit("a", 5, 5), limit("b", 5, 5)};
  // Live before backfill, the oldest live window first: b's, then a's, then a's backfill.
  CHECK(names(claim_batch(records, limits, 10)) == "b 02, b 03");
  CHECK(names(claim_batch(records, limits, 10)) == "a 05, a 06");
  CHECK(names(claim_batch(records, limits, 10)) == "a 00, a 01, a 02");
  CHECK(claim_batch(records, limits, 10).empty());
  // sluice_claim, the single claim, is the batch of one.
  hours_of(*c, "b", "2024-01-02T00:00Z", 2);
  auto one = records.claim(limits);
  REQUIRE(one);
  REQUIRE(*one);
  CHECK(format_utc((*one)->window.start) == "2024-01-02T00:00:00Z");
  CHECK(running(*c, "b") == 3);
}

TEST_CASE_METHOD(
    test::ClaimFixture,
    "in a pool a batch takes the free slots its windows fit in, and stops before another "
    "pipeline's window",
    "[integration][store][claim][pools]") {
  store::Records records(*c, "host:1");
  SECTION("slots") {
    hours_of(*c, "big", "2024-01-01T00:00Z", 6);
    hours_of(*c, "small", "2024-01-02T00:00Z", 6);
    const std::vector<store::ClaimLimit> limits{in_pool("big", "wh", 5, 2),
                                                in_pool("small", "wh", 5, 1)};
    CHECK(names(claim_batch(records, limits, 10)) == "big 00, big 01");  // 2 x 2 of 5 slots
    // One slot left: big's next window (2 slots) does not fit, and holds back small's.
    CHECK(claim_batch(records, limits, 10).empty());
    CHECK(test::count(*c,
                      "SELECT sum(pool_slots) FROM pipeline_records WHERE pipeline_status "
                      "= 'IN_PROGRESS' AND pool = 'wh'") == 4);
  }
  SECTION("order") {
    hours_of(*c, "a", "2024-01-01T00:00Z", 6);
    hours_of(*c, "b", "2024-01-01T02:00Z", 2);
    hours_of(*c, "c", "2024-01-01T01:00Z", 2);  // no pool: it does not stop a's batch
    const std::vector<store::ClaimLimit> limits{in_pool("a", "wh", 10), in_pool("b", "wh", 10),
                                                limit("c", 10, 10)};
    // a 02 goes before b 02 (same hour: by pipeline), b 02 before a 03.
    CHECK(names(claim_batch(records, limits, 10)) == "a 00, a 01, a 02");
    CHECK(names(claim_batch(records, limits, 10)) == "c 01, c 02");
    CHECK(names(claim_batch(records, limits, 10)) == "b 02");
    CHECK(names(claim_batch(records, limits, 10)) == "a 03");
    CHECK(names(claim_batch(records, limits, 10)) == "b 03");
    CHECK(names(claim_batch(records, limits, 10)) == "a 04, a 05");
  }
}

TEST_CASE_METHOD(test::ClaimFixture,
                 "a batch takes only the windows whose upstream windows are done",
                 "[integration][store][claim][dependencies]") {
  const std::vector<std::string> ids{"clean", "raw"};
  const std::vector<store::DependencyEdge> edges{
      {"clean", "raw", "windows", std::chrono::hours(1)}};
  REQUIRE(store::register_dependencies(*c, ids, edges));
  hours_of(*c, "raw", "2024-01-01T00:00Z", 5, "scheduled", "SUCCESS");
  test::run_sql(*c,
                "UPDATE pipeline_records SET pipeline_status = 'FAILED' WHERE pipeline_id = "
                "'raw' AND window_start_time = '2024-01-01T02:00Z'");
  hours_of(*c, "clean", "2024-01-01T00:00Z", 8);
  store::Records records(*c, "host:1");
  const std::vector<store::ClaimLimit> limits{limit("clean", 10, 10)};
  // Hour 2 waits on a FAILED hour, hours 5 to 7 on hours raw has not made yet.
  CHECK(names(claim_batch(records, limits, 10)) == "clean 00, clean 01, clean 03, clean 04");
  CHECK(claim_batch(records, limits, 10).empty());
}

TEST_CASE_METHOD(
    test::ClaimFixture,
    "claimers racing for one backlog in batches never share a window nor pass the limit",
    "[integration][store][claim][threads]") {
  hours_of(*c, "a", "2024-01-01T00:00Z", 300, "backfill");
  constexpr int kClaimers = 4;
  constexpr int kLimit = 6;
  std::atomic<int> errors{0}, over{0};
  std::atomic<bool> done{false};
  std::mutex mutex;
  std::vector<std::pair<std::int64_t, std::string>> claimed;  // id, run ID
  std::thread watcher([&] {
    auto w = db.connect();
    while (!done) {
      if (running(*w, "a") > kLimit) ++over;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  std::vector<std::thread> claimers;
  for (int t = 0; t < kClaimers; ++t) {
    claimers.emplace_back([&, t] {
      auto conn = db.connect();
      auto finisher = db.connect();
      store::Records records(*conn, fmt::format("claimer:{}", t));
      const std::vector<store::ClaimLimit> limits{limit("a", 1, kLimit)};
      for (int idle = 0; idle < 200;) {
        auto batch = records.claim_windows(limits, 1 + t);
        if (!batch) {
          UNSCOPED_INFO(batch.error().message);
          ++errors;
          return;
        }
        if (batch->empty()) {
          ++idle;
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
          continue;
        }
        {
          std::lock_guard lock(mutex);
          for (const auto& r : *batch) claimed.emplace_back(r.id.value, r.run.value);
        }
        finish(*finisher, *batch, "SKIPPED");
      }
    });
  }
  for (auto& t : claimers) t.join();
  done = true;
  watcher.join();
  CHECK(errors == 0);
  CHECK(over == 0);
  std::set<std::int64_t> ids;
  std::set<std::string> runs;
  for (const auto& [id, run] : claimed) {
    ids.insert(id);
    runs.insert(run);
  }
  CHECK(claimed.size() == 300);
  CHECK(ids.size() == 300);
  CHECK(runs.size() == 300);
  CHECK(test::count(*c, "SELECT count(*) FROM pipeline_events WHERE task = 'claim'") == 300);
  CHECK(test::count(*c,
                    "SELECT count(*) FROM pipeline_records WHERE pipeline_status <> "
                    "'SKIPPED'") == 0);
}

TEST_CASE_METHOD(
    test::ClaimFixture,
    "a batched write is fenced row by row, and one lost with the connection is made by "
    "no one twice",
    "[integration][store][claim]") {
  auto other = db.connect();
  hours_of(*c, "a", "2024-01-01T00:00Z", 4, "backfill");
  store::Records records(*c, "host:1"), rival(*other, "host:2");
  const std::vector<store::ClaimLimit> limits{limit("a", 1, 4)};
  const auto batch = claim_batch(records, limits, 4);
  REQUIRE(batch.size() == 4);
  const std::vector<store::TaskWrite> writes(4, skipped());

  SECTION("one lock taken over: that row is not written, the others are") {
    // The stale-lock cleanup took hour 1 back, and another claimer runs it now.
    test::run_sql(*other, fmt::format("UPDATE pipeline_records SET pipeline_status = 'PENDING' "
                                      "WHERE id = {}",
                                      batch[1].id.value));
    const auto taken = claim_batch(rival, limits, 4);
    REQUIRE(names(taken) == "a 01");
    auto written = records.write_tasks(batch, writes);
    REQUIRE(written);
    CHECK(*written == std::vector<bool>{true, false, true, true});
    CHECK(test::count(*c,
                      "SELECT count(*) FROM pipeline_records WHERE pipeline_status = "
                      "'SKIPPED' AND source_count = 0 AND phase_completed = "
                      "'PRE_VALIDATION' AND pipeline_end_time IS NOT NULL") == 3);
    CHECK(test::count(*c,
                      "SELECT count(*) FROM pipeline_events WHERE task = 'pre_validation' "
                      "AND to_status = 'SKIPPED' AND outcome = 'SKIPPED' AND host = "
                      "'host:1' AND message LIKE 'source and target both hold 0 rows%'") == 3);
    CHECK(test::count(*c, fmt::format("SELECT count(*) FROM pipeline_events WHERE record_id = {} "
                                      "AND task = 'pre_validation'",
                                      batch[1].id.value)) == 0);
    CHECK(rival.write_task(taken[0], writes[0]).value());
  }
  SECTION("the connection lost before the write: nothing written, the cleanup frees all four") {
    test::run_sql(*other, fmt::format("SELECT pg_terminate_backend({})", c->backendpid()));
    auto lost = records.write_tasks(batch, writes);
    REQUIRE_FALSE(lost);
    CHECK(lost.error().connection_lost);
    CHECK(running(*other, "a") == 4);
    CHECK(test::count(*other, "SELECT count(*) FROM pipeline_events WHERE task <> 'claim'") == 0);
    // Their leases run out; the cleanup returns them to PENDING and another claimer runs them.
    test::run_sql(*other, "UPDATE pipeline_records SET heartbeat_at = now() - interval '1 hour'");
    const std::vector<store::StaleLimit> stale{{PipelineId{"a"}, std::chrono::seconds(60), 3}};
    auto freed = rival.expire_stale_locks(stale, stale[0]);
    REQUIRE(freed);
    CHECK(freed->returned_to_pending == 4);
    const auto again = claim_batch(rival, limits, 4);
    REQUIRE(again.size() == 4);
    auto written = rival.write_tasks(again, writes);
    REQUIRE(written);
    CHECK(*written == std::vector<bool>(4, true));
    // The first holder's write, made late on a new connection, finds every fence closed.
    auto reconnected = db.connect();
    store::Records late(*reconnected, "host:1");
    auto refused = late.write_tasks(batch, writes);
    REQUIRE(refused);
    CHECK(*refused == std::vector<bool>(4, false));
    CHECK(test::count(*other,
                      "SELECT count(*) FROM pipeline_events WHERE task = "
                      "'pre_validation'") == 4);
    CHECK(test::count(*other,
                      "SELECT count(*) FROM (SELECT record_id FROM pipeline_events "
                      "WHERE to_status = 'SKIPPED' GROUP BY record_id HAVING count(*) "
                      "= 1) s") == 4);
  }
}

TEST_CASE_METHOD(
    test::ClaimFixture,
    "the settle of several backfill windows reads a request's range when asked, or when it "
    "is done",
    "[integration][store][claim][backfill]") {
  hours_of(*c, "a", "2024-01-01T00:00Z", 4, "backfill");
  test::run_sql(*c,
                "INSERT INTO backfill_requests (pipeline_id, from_time, to_time, status, "
                "windows_total) VALUES ('a', '2024-01-01T00:00Z', '2024-01-01T04:00Z', "
                "'RUNNING', 4)");
  store::Records records(*c, "host:1");
  const std::vector<store::ClaimLimit> limits{limit("a", 1, 4)};
  const auto batch = claim_batch(records, limits, 2);
  REQUIRE(records.write_tasks(batch, std::vector<store::TaskWrite>(2, skipped())));
  const auto done = [&] { return test::count(*c, "SELECT windows_done FROM backfill_requests"); };
  REQUIRE(records.settle_backfills(batch, false));
  CHECK(done() == 0);  // two windows left: not read
  REQUIRE(records.settle_backfills(batch, true));
  CHECK(done() == 2);
  const auto rest = claim_batch(records, limits, 4);
  REQUIRE(rest.size() == 2);
  REQUIRE(records.write_tasks(rest, std::vector<store::TaskWrite>(2, skipped())));
  auto settled = records.settle_backfills(rest, false);
  REQUIRE(settled);
  CHECK(*settled == 1);
  CHECK(done() == 4);
  CHECK(test::count(*c, "SELECT count(*) FROM backfill_requests WHERE status = 'DONE'") == 1);
}

TEST_CASE_METHOD(
    test::ClaimFixture,
    "a claim, and a batch of empty windows' ends, commit without waiting for their flush, and "
    "any other batch and the session after them as before",
    "[integration][store][claim]") {
  hours_of(*c, "a", "2024-01-01T00:00Z", 4, "backfill");
  // What each event's transaction commits with: a deferred trigger runs at the commit.
  test::run_sql(*c, R"(
    CREATE TABLE commit_modes (task text, mode text);
    CREATE FUNCTION note_commit_mode() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO commit_modes VALUES (NEW.task, current_setting('synchronous_commit'));
      RETURN NULL;
    END $$;
    CREATE CONSTRAINT TRIGGER note_commit_mode AFTER INSERT ON pipeline_events
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION note_commit_mode())");
  test::run_sql(*c, "SET synchronous_commit = on");
  store::Records records(*c, "host:1");
  const auto batch = claim_batch(records, {limit("a", 1, 4)}, 4);
  REQUIRE(batch.size() == 4);
  store::TaskWrite loads = skipped();  // counts that differ: the window goes on to load
  loads.outcome = store::Outcome::success;
  loads.move = std::nullopt;
  loads.source_count = 5;
  const std::span<const store::Record> all(batch);
  REQUIRE(records.write_tasks(all.first(2), std::vector<store::TaskWrite>(2, skipped())));
  REQUIRE(records.write_tasks(all.subspan(2), std::vector<store::TaskWrite>{skipped(), loads}));
  const auto mode = [&](const std::string& task, const std::string& m) {
    return test::count(
        *c, "SELECT count(*) FROM commit_modes WHERE task = '" + task + "' AND mode = '" + m + "'");
  };
  CHECK(mode("claim", "off") == 4);
  CHECK(mode("pre_validation", "off") == 2);  // the first batch: two SKIPPED ends
  CHECK(mode("pre_validation", "on") == 2);   // the second: one window goes on
  CHECK(test::count(*c,
                    "SELECT count(*) FROM pipeline_records WHERE pipeline_status = "
                    "'SKIPPED'") == 3);
  // The setting lasted as long as its statement's transaction.
  CHECK(test::run_sql(*c, "SHOW synchronous_commit")[0][0].as<std::string>() == "on");
  CHECK(running(*c, "a") == 1);
}
