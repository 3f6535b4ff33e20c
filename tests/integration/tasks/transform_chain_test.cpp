// A transform through the real chain (PostgreSQL -> stage -> PostgreSQL): the stage, the
// target and the audit see the transformed rows.
#include <catch2/catch.hpp>

#include "framework/adapters/postgres/postgres.hpp"
#include "tests/support/chain_fixture.hpp"

using namespace sluice;

namespace {

using test::kNow;

transform::OutputColumn column(std::string name, std::string from, transform::Cast cast) {
  return {std::move(name), std::move(from), cast, std::nullopt, {"pipelines.d/orders.yaml", 20, 7},
          std::nullopt};
}

}  // namespace

TEST_CASE("a transform selects, renames, casts and computes columns on the way to the target",
          "[integration][chain][transform]") {
  test::ChainFixture f;
  f.seed_source(2, 10);
  f.exec(
      "CREATE TABLE tdst (order_id bigint, at timestamptz NOT NULL, total numeric(12,2), batch "
      "text)");
  auto p = f.pipeline(2);
  p->target = adapters::postgres::make_target({f.db().url(), "tdst", "at"});
  p->transform.columns = {column("order_id", "id", transform::Cast::integer),
                          column("at", "event_time", transform::Cast::timestamp),
                          column("total", "amount", transform::Cast::number)};
  p->transform.columns.push_back({"batch",
                                  "",
                                  transform::Cast::none,
                                  *time::FieldTemplate::parse("{pipeline}@{window_start:%H}"),
                                  {},
                                  std::nullopt});

  const auto summary = test::run_until_settled(f, p, kNow);
  CHECK(summary.success == 2);
  CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'SUCCESS' AND "
                "audit_result = 'PASS' "
                "AND source_count = 10 AND target_count = 10") == 2);
  CHECK(
      f.count(
          "SELECT count(*) FROM ((SELECT id, event_time, amount, 'orders@' || "
          "to_char(date_trunc('hour', "
          "event_time) AT TIME ZONE 'UTC', 'HH24') FROM src) EXCEPT ALL (SELECT * FROM tdst)) d") ==
      0);
  CHECK(f.count("SELECT count(*) FROM tdst") == 20);

  SECTION("a source column the transform names but the source lacks fails the window for good") {
    f.exec("TRUNCATE tdst; DELETE FROM pipeline_events; DELETE FROM pipeline_records");
    p->transform.columns[2].from = "amont";
    const auto failed = test::run_until_settled(f, p, kNow);
    CHECK(failed.failed == 2);
    CHECK(
        f.count(
            "SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'FAILED' AND "
            "error_message = "
            "'permanent: pipelines.d/orders.yaml:20:7: transform column ''total'': the source has "
            "no "
            "column ''amont'' (did you mean ''amount''?); it has: id, event_time, note, amount'") ==
        2);
    CHECK(f.count("SELECT count(*) FROM tdst") == 0);
  }
}
