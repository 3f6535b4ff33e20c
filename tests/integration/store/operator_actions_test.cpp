// The store side of the G3 operator actions on a real PostgreSQL: a forced reload is carried
// by the record from the rerun to the claim and cleared when the window ends (a retry keeps
// it), and mark-success judges the row under its lock, writing all or nothing.
#include <catch2/catch.hpp>

#include <chrono>
#include <future>

#include <pqxx/pqxx>

#include "framework/store/operator.hpp"
#include "framework/store/records.hpp"
#include "tests/support/test_database.hpp"

using namespace sluice;
using test::run_sql;

namespace {

struct Env {
  test::TestDatabase db;
  std::unique_ptr<store::Connection> c;
  Env() {
    db.migrate();
    c = db.connect();
    run_sql(*c,
            "INSERT INTO pipeline_records (pipeline_id, window_start_time, window_end_time, "
            "target_day, time_interval, pipeline_status) VALUES "
            "('p', '2024-01-01T00:00Z', '2024-01-01T01:00Z', '2024-01-01', '1h', 'SUCCESS'),"
            "('p', '2024-01-01T01:00Z', '2024-01-01T02:00Z', '2024-01-01', '1h', 'FAILED')");
  }
  std::int64_t count(const std::string& sql) const { return test::count(*c, sql); }
};

const std::vector<store::ClaimLimit> kLimits{{PipelineId{"p"}, 5, 5}};

}  // namespace

TEST_CASE("a forced rerun reaches the claim, survives a retry and ends with the window",
          "[store][force]") {
  Env e;
  store::Operator op(*e.c, "ops:1");
  const store::RecordSelection all{.pipeline = PipelineId{"p"}};
  REQUIRE(op.rerun(all, Trigger::manual, {.actor = "me", .command = "rerun"}, true) == 2);
  CHECK(e.count("SELECT count(*) FROM pipeline_records WHERE force_reload") == 2);
  CHECK(e.count("SELECT count(*) FROM pipeline_events WHERE message = 'forced rerun by me'") == 2);

  store::Records records(*e.c, "worker:1");
  auto first = records.claim(kLimits);
  REQUIRE(first);
  REQUIRE(*first);
  CHECK((*first)->force_reload);
  store::TaskWrite retry;
  retry.status = store::TaskStatus::failed;
  retry.outcome = store::Outcome::retry;
  retry.move = store::Move::retry;
  retry.retry_delay = std::chrono::seconds{0};
  retry.message = "timeout";
  REQUIRE(records.write_task(**first, retry) == true);
  CHECK(e.count("SELECT count(*) FROM pipeline_records WHERE force_reload") == 2);

  auto again = records.claim(kLimits);
  REQUIRE(again);
  REQUIRE(*again);
  CHECK((*again)->force_reload);
  store::TaskWrite done;
  done.task = store::Task::audit;
  done.audit_result = "PASS";
  done.move = store::Move::succeed;
  REQUIRE(records.write_task(**again, done) == true);
  auto other = records.claim(kLimits);
  REQUIRE(other);
  REQUIRE(*other);
  store::TaskWrite failed = done;
  failed.audit_result = "FAIL";
  failed.move = store::Move::fail;
  failed.message = "counts differ";
  REQUIRE(records.write_task(**other, failed) == true);
  CHECK(e.count("SELECT count(*) FROM pipeline_records WHERE force_reload") == 0);

  // A plain rerun clears what a forced one set.
  REQUIRE(op.rerun(all, Trigger::manual, {.actor = "me"}, true) == 2);
  REQUIRE(op.rerun(store::RecordSelection{.pipeline = PipelineId{"p"}}, Trigger::manual,
                   {.actor = "me"}) == 0);  // PENDING now: untouched
  run_sql(*e.c, "UPDATE pipeline_records SET pipeline_status = 'SKIPPED'");
  REQUIRE(op.rerun(all, Trigger::manual, {.actor = "me"}) == 2);
  CHECK(e.count("SELECT count(*) FROM pipeline_records WHERE force_reload") == 0);
}

TEST_CASE("a stale lock freed for good ends a forced reload, freed for a retry keeps it",
          "[store][force]") {
  Env e;
  run_sql(*e.c,
          "UPDATE pipeline_records SET pipeline_status = 'IN_PROGRESS', dag_run_id = 'r', "
          "pipeline_locked_at = now() - interval '1 day', force_reload = true, "
          "retry_attempt = CASE WHEN pipeline_status = 'FAILED' THEN 3 ELSE 0 END");
  store::Records records(*e.c, "cleaner:1");
  const std::vector<store::StaleLimit> limits{{PipelineId{"p"}, std::chrono::seconds{60}, 3}};
  const auto report = records.expire_stale_locks(limits, store::StaleLimit{});
  REQUIRE(report);
  CHECK(report->failed == 1);
  CHECK(report->returned_to_pending == 1);
  CHECK(e.count("SELECT count(*) FROM pipeline_records WHERE force_reload AND pipeline_status = "
                "'PENDING'") == 1);
  CHECK(e.count("SELECT count(*) FROM pipeline_records WHERE NOT force_reload AND "
                "pipeline_status = 'FAILED'") == 1);
}

TEST_CASE("mark-success waits for the row and judges it as it committed", "[store][mark_success]") {
  Env e;
  const Instant failed_start{Seconds{1704070800}};  // 2024-01-01T01:00Z
  // An operator's rerun holds the FAILED row; the accept waits, then finds it PENDING.
  auto holder = e.db.connect();
  pqxx::work tx(*holder);
  tx.exec(
      "SELECT 1 FROM pipeline_records WHERE window_start_time = '2024-01-01T01:00Z' FOR UPDATE");
  auto accepting = std::async(std::launch::async, [&] {
    auto c = e.db.connect();
    store::Operator op(*c, "ops:2");
    return op.accept(PipelineId{"p"}, failed_start, "late", {.actor = "me", .command = "x"});
  });
  CHECK(accepting.wait_for(std::chrono::milliseconds(300)) == std::future_status::timeout);
  tx.exec(
      "UPDATE pipeline_records SET pipeline_status = 'PENDING' WHERE window_start_time = "
      "'2024-01-01T01:00Z'");
  tx.commit();
  const auto r = accepting.get();
  REQUIRE(r);
  CHECK(r->found);
  CHECK_FALSE(r->accepted);
  CHECK(r->status == store::Status::pending);
  CHECK(e.count("SELECT count(*) FROM audit_log") == 0);
  CHECK(e.count("SELECT count(*) FROM pipeline_events") == 0);

  run_sql(*e.c, "UPDATE pipeline_records SET pipeline_status = 'FAILED'");
  store::Operator op(*e.c, "ops:1");
  const auto ok = op.accept(PipelineId{"p"}, failed_start, "fine", {.actor = "me"});
  REQUIRE(ok);
  CHECK(ok->accepted);
  CHECK(e.count("SELECT count(*) FROM pipeline_records WHERE audit_result = 'ACCEPTED'") == 1);
  const auto none = op.accept(PipelineId{"p"}, failed_start + Seconds{7200}, "x", {.actor = "me"});
  REQUIRE(none);
  CHECK_FALSE(none->found);
  // The check constraint still refuses a value nobody writes.
  CHECK_THROWS(run_sql(*e.c, "UPDATE pipeline_records SET audit_result = 'MAYBE'"));
}
