// The claim over limits stored per holder (sql/migrations/0017_claim_windows.sql): a claim
// sends its holder and the fingerprint of its limits, the limits themselves only when the
// database holds another set (a reload, a restart, a fresh database); the claim walks the
// PENDING windows in claim order and passes over a paused pipeline, one whose catalog has a
// newer version, one at its limit with a deep backlog, and the pipelines of other holders,
// while priorities and live-before-backfill still decide first.
#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <pqxx/pqxx>

#include "framework/store/records.hpp"
#include "tests/support/claim_fixture.hpp"

using namespace sluice;

namespace {

// "pipeline hour" of the claimed window, or "none".
std::string claim_one(store::Records& records, const std::vector<store::ClaimLimit>& limits) {
  const auto r = test::ClaimFixture::claim_batch(records, limits, 1);
  return r.empty() ? "none" : test::ClaimFixture::names(r);
}

std::int64_t stored_sets(store::Connection& c) {
  return test::count(c, "SELECT count(*) FROM claim_limit_sets");
}

}  // namespace

TEST_CASE_METHOD(test::ClaimFixture,
                 "a claim sends its limits only when the database holds another set for its holder",
                 "[integration][store][claim]") {
  hours_of(*c, "a", "2024-01-01T05:00Z", 3);
  hours_of(*c, "b", "2024-01-01T00:00Z", 3);
  store::Records records(*c, "host:1");
  const std::vector<store::ClaimLimit> only_a{limit("a", 5)};
  CHECK(claim_one(records, only_a) == "a 05");  // b is not this daemon's
  CHECK(test::count(*c, fmt::format("SELECT count(*) FROM claim_limit_sets WHERE holder = "
                                    "'host:1' AND fingerprint = {}",
                                    store::claim_limits_fingerprint(only_a))) == 1);
  const auto stored_at = [&] {
    return test::run_sql(*c, "SELECT stored_at::text FROM claim_limit_sets")[0][0]
        .as<std::string>();
  };
  const std::string first = stored_at();
  CHECK(claim_one(records, only_a) == "a 06");
  CHECK(stored_at() == first);  // the same set: not sent again

  // A reload adds b (older windows: claimed first), then removes a.
  const std::vector<store::ClaimLimit> both{limit("a", 5), limit("b", 5)};
  CHECK(claim_one(records, both) == "b 00");
  CHECK(test::count(*c, "SELECT count(*) FROM claim_limits WHERE holder = 'host:1'") == 2);
  const std::vector<store::ClaimLimit> only_b{limit("b", 5)};
  CHECK(claim_one(records, only_b) == "b 01");
  CHECK(claim_one(records, only_b) == "b 02");
  CHECK(claim_one(records, only_b) == "none");  // a 07 is left: a is no longer loaded
  // A changed limit is another set too.
  CHECK(claim_one(records, {limit("a", 3)}) == "a 07");
  CHECK(stored_sets(*c) == 1);

  // Another daemon stores its own set beside it; a set no claim used for a day goes.
  auto other_connection = db.connect();
  store::Records other(*other_connection, "host:2");
  hours_of(*c, "b", "2024-01-02T00:00Z", 1);
  test::run_sql(*c, "UPDATE claim_limit_sets SET seen_at = now() - interval '2 days'");
  CHECK(claim_one(other, only_b) == "b 00");
  CHECK(stored_sets(*c) == 1);

  // A claim with a fingerprint the database does not hold is refused, naming the holder.
  try {
    test::run_sql(*c, "SELECT * FROM sluice_claim_windows('host:2', 1, 1)");
    FAIL("claimed under a fingerprint never stored");
  } catch (const pqxx::sql_error& e) {
    CHECK(e.sqlstate() == "SLU02");
    CHECK(std::string(e.what()).find("host:2") != std::string::npos);
  }
}

TEST_CASE_METHOD(
    test::ClaimFixture,
    "the walk passes over a paused pipeline, a newer catalog version and a pipeline at its "
    "limit with a deep backlog, and takes the next claimable window",
    "[integration][store][claim]") {
  hours_of(*c, "deep", "2024-01-01T00:00Z", 200);
  hours_of(*c, "paused", "2024-01-01T01:00Z", 2);
  hours_of(*c, "stale", "2024-01-01T02:00Z", 2);
  hours_of(*c, "ready", "2024-01-09T00:00Z", 2);
  test::run_sql(*c,
                "INSERT INTO pipelines (pipeline_id, paused) VALUES ('paused', true), "
                "('deep', false), ('stale', false), ('ready', false)");
  test::run_sql(*c,
                "INSERT INTO pipeline_definitions (pipeline_id, version, origin, yaml, "
                "checksum, created_by) VALUES ('stale', 1, 'catalog', 'id: stale', "
                "repeat('0', 64), 'test'), ('stale', 2, 'catalog', 'id: stale', "
                "repeat('1', 64), 'test')");
  std::vector<store::ClaimLimit> limits{limit("deep"), limit("paused", 5), limit("stale", 5),
                                        limit("ready", 5)};
  limits[2].version = 1;  // this daemon runs version 1; the catalog holds version 2
  store::Records records(*c, "host:1");
  CHECK(claim_one(records, limits) == "deep 00");
  // deep is at its limit (1) with 199 windows left, paused is paused, stale is outdated.
  CHECK(claim_one(records, limits) == "ready 00");
  CHECK(claim_one(records, limits) == "ready 01");
  CHECK(claim_one(records, limits) == "none");
  test::run_sql(*c, "UPDATE pipelines SET paused = false WHERE pipeline_id = 'paused'");
  CHECK(claim_one(records, limits) == "paused 01");
  CHECK(claim_one(records, limits) == "paused 02");
  CHECK(claim_one(records, limits) == "none");
  limits[2].version = 2;
  CHECK(claim_one(records, limits) == "stale 02");
  CHECK(test::count(*c,
                    "SELECT count(*) FROM pipeline_records WHERE pipeline_status = "
                    "'IN_PROGRESS'") == 6);
}

TEST_CASE_METHOD(
    test::ClaimFixture,
    "live windows go before backfill ones, and a higher priority before an older window",
    "[integration][store][claim]") {
  hours_of(*c, "low", "2024-01-01T00:00Z", 2);
  hours_of(*c, "high", "2024-01-01T05:00Z", 2);
  hours_of(*c, "high", "2024-01-01T00:00Z", 2, "backfill");
  hours_of(*c, "mid", "2024-01-01T03:00Z", 1);
  store::Records records(*c, "host:1");
  const std::vector<store::ClaimLimit> limits{limit("low", 9, 9, -1), limit("high", 9, 9, 5),
                                              limit("mid", 9, 9, 0)};
  CHECK(claim_one(records, limits) == "high 05");
  CHECK(claim_one(records, limits) == "high 06");
  CHECK(claim_one(records, limits) == "mid 03");
  CHECK(claim_one(records, limits) == "low 00");
  CHECK(claim_one(records, limits) == "low 01");
  CHECK(claim_one(records, limits) == "high 00");  // backfill: after every live window
  CHECK(
      test::run_sql(*c, "SELECT priorities::text FROM claim_limit_sets")[0][0].as<std::string>() ==
      "{5,0,-1}");
}

TEST_CASE_METHOD(test::ClaimFixture,
                 "a claim walks under one set of limits: a store waits for the claims walking, "
                 "and a claim waits for a store under way, then is refused the old set",
                 "[integration][store][claim]") {
  hours_of(*c, "a", "2024-01-01T00:00Z", 3);
  const auto store_sql = [](int fingerprint) {
    return fmt::format(
        "SELECT sluice_store_claim_limits('host:1', {}, '{{a}}', '{{5}}', '{{5}}', '{{0}}', "
        "'{{\"\"}}', '{{1}}', '{{1}}', '{{0}}')",
        fingerprint);
  };
  const auto claim_sql = [](int fingerprint) {
    return fmt::format("SELECT id FROM sluice_claim_windows('host:1', {}, 1)", fingerprint);
  };
  test::run_sql(*c, store_sql(1));
  // Waiting is what this test looks for: the other session gives up on a lock after 300 ms.
  auto other = db.connect();
  test::run_sql(*other, "SET lock_timeout = '300ms'");
  const auto outcome = [&](const std::string& sql) {
    try {
      test::run_sql(*other, sql);
      return std::string("ran");
    } catch (const pqxx::sql_error& e) {
      return e.sqlstate();
    }
  };
  const std::string lock_not_available = "55P03";
  {
    auto walking = db.connect();
    pqxx::work claim(*walking);
    CHECK(claim.exec(claim_sql(1)).size() == 1);
    CHECK(outcome(store_sql(2)) == lock_not_available);
    claim.commit();
  }
  {
    auto reloading = db.connect();
    pqxx::work store(*reloading);
    store.exec(store_sql(2));
    CHECK(outcome(claim_sql(1)) == lock_not_available);
    store.commit();
  }
  CHECK(outcome(claim_sql(1)) == "SLU02");
  CHECK(outcome(claim_sql(2)) == "ran");
  CHECK(test::count(*c,
                    "SELECT count(*) FROM pipeline_records WHERE pipeline_status = "
                    "'IN_PROGRESS'") == 2);
}
