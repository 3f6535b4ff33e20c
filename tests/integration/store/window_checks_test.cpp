// window_checks on a real PostgreSQL: written by the audit's fenced write only (a run that
// lost its lock writes none), hostile text kept as it is, shown by `records show`, and gone
// with their record (retention, clear).
#include <catch2/catch.hpp>

#include "daemon/ops/views.hpp"
#include "framework/store/operator.hpp"
#include "framework/store/records.hpp"
#include "framework/store/retention.hpp"
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
    // Two windows of `p` that ended long ago, and its newest (which retention keeps).
    run_sql(*c,
            "INSERT INTO pipeline_records (pipeline_id, window_start_time, window_end_time, "
            "target_day, time_interval) VALUES "
            "('p', '2024-01-01T00:00Z', '2024-01-01T01:00Z', '2024-01-01', '1h'),"
            "('p', '2024-01-01T01:00Z', '2024-01-01T02:00Z', '2024-01-01', '1h'),"
            "('p', now() - interval '1 hour', now(), current_date, '1h')");
  }
  std::int64_t count(const std::string& sql) const { return test::count(*c, sql); }
};

const std::vector<store::ClaimLimit> kLimits{{PipelineId{"p"}, 5, 5}};

store::TaskWrite audit_with_checks() {
  store::TaskWrite w;
  w.task = store::Task::audit;
  w.phase_completed = store::Phase::audit;
  w.audit_result = "PASS";
  w.move = store::Move::succeed;
  w.message = "warning: ...";
  w.checks = {
      {"not_null_id", "not_null", "error", true, "0", "no NULL in id"},
      {"we\"ird 'name', {x}", "unique", "warn", false, "3",
       "3 duplicate rows: 2 values of (Total €, \"q\") appear more than once\\ \t\n"},
      {"sql_2", "sql", "warn", false, std::nullopt, "returned NULL, not a number (max 1)"},
      {"sum_match_amount", "sum_match", "error", true, "1.25e-07", ""},
  };
  return w;
}

}  // namespace

TEST_CASE("window_checks rows are written by the audit's fenced write, and only by it",
          "[store][checks]") {
  Env e;
  store::Records records(*e.c, "worker:1");
  auto claimed = records.claim(kLimits);
  REQUIRE(claimed);
  REQUIRE(*claimed);
  const store::Record& r = **claimed;

  SECTION("a run that lost its lock writes nothing") {
    store::Record stale = r;
    stale.run = RunId{"scheduled__stale"};
    CHECK(records.write_task(stale, audit_with_checks()) == false);
    CHECK(e.count("SELECT count(*) FROM window_checks") == 0);
    CHECK(e.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'IN_PROGRESS'") ==
          1);
  }
  SECTION("the holder's write keeps every row as the checks gave it") {
    REQUIRE(records.write_task(r, audit_with_checks()) == true);
    CHECK(e.count(
              "SELECT count(*) FROM window_checks WHERE record_id = " + std::to_string(r.id.value) +
              " AND run_id = '" + r.run.value + "' AND pipeline_id = 'p'") == 4);
    const auto rows = run_sql(*e.c,
                              "SELECT check_name, kind, severity, passed, observed::text, "
                              "coalesce(message, '<null>') FROM window_checks ORDER BY id");
    REQUIRE(rows.size() == 4);
    CHECK(rows[1][0].as<std::string>() == "we\"ird 'name', {x}");
    CHECK(rows[1][3].as<bool>() == false);
    CHECK(rows[1][4].as<std::string>() == "3");
    CHECK(rows[1][5].as<std::string>() ==
          "3 duplicate rows: 2 values of (Total €, \"q\") appear more than once\\ \t\n");
    CHECK(rows[2][4].is_null());
    CHECK(rows[3][4].as<std::string>() == "0.000000125");
    CHECK(rows[3][5].as<std::string>() == "<null>");

    // records show: the rows after the events, oldest first.
    store::Operator op(*e.c, "ops:1");
    auto detail = op.show(r.id.value);
    REQUIRE(detail);
    REQUIRE(*detail);
    const auto json = ops::record_detail_json(**detail);
    REQUIRE(json["checks"].size() == 4);
    CHECK(json["checks"][1]["check_name"] == "we\"ird 'name', {x}");
    CHECK(json["checks"][1]["passed"] == false);
    CHECK(json["checks"][1]["observed"] == "3");
    CHECK(json["checks"][1]["severity"] == "warn");
    CHECK(json["checks"][0]["run_id"] == r.run.value);
    CHECK(json["checks"][2]["observed"].is_null());
    CHECK(json["checks"][0]["checked_at"].get<std::string>().ends_with("Z"));
  }
  SECTION("another task's write carries none") {
    store::TaskWrite load;
    load.task = store::Task::stage_to_target;
    load.checks = audit_with_checks().checks;  // ignored: only the audit writes checks
    REQUIRE(records.write_task(r, load) == true);
    CHECK(e.count("SELECT count(*) FROM window_checks") == 0);
  }
}

TEST_CASE("window_checks go with their record: retention and clear", "[store][checks]") {
  Env e;
  store::Records records(*e.c, "worker:1");
  for (int i = 0; i < 3; ++i) {
    auto claimed = records.claim(kLimits);
    REQUIRE(claimed);
    REQUIRE(*claimed);
    REQUIRE(records.write_task(**claimed, audit_with_checks()) == true);
  }
  REQUIRE(e.count("SELECT count(*) FROM window_checks") == 12);

  store::RetentionPolicy policy;
  policy.records = time::Duration{0, Seconds(86400)};
  auto pruned = store::prune(*e.c, policy);
  REQUIRE(pruned);
  CHECK(pruned->records == 2);  // the newest window stays
  CHECK(e.count("SELECT count(*) FROM window_checks") == 4);

  store::Operator op(*e.c, "ops:1");
  REQUIRE(op.clear({.pipeline = PipelineId{"p"}}, {.actor = "me", .command = "clear"}) == 1);
  CHECK(e.count("SELECT count(*) FROM window_checks") == 0);
}
