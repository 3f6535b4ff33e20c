// `audit.target_count: loaded` on the fakes: the audit takes the rows the load reported and
// asks the target for no count after it; rows the target drops still fail it, and the
// record's message says which count was used. On real servers:
// tests/integration/tasks/audit_target_count_test.cpp.
#include <catch2/catch.hpp>

#include "tests/unit/tasks/chain_run.hpp"

using namespace sluice;
using store::Status;

namespace {

std::int64_t target_counts(test::ChainRun& c) {
  return c.p.target->script().calls("count") + c.p.target->script().calls("count_each");
}

}  // namespace

TEST_CASE("audit.target_count loaded: no count of the target after the load",
          "[tasks][chain][audit]") {
  for (const bool streaming : {false, true}) {
    DYNAMIC_SECTION((streaming ? "streamed load" : "load from the stage file")) {
      test::ChainRun recount(streaming);
      recount.add(0, 40);
      CHECK(recount.run().end == tasks::ChainEnd::success);

      test::ChainRun loaded(streaming);
      const auto id = loaded.add(0, 40);
      loaded.p.runtime->audit_loaded_count = true;
      CHECK(loaded.run().end == tasks::ChainEnd::success);
      CHECK(target_counts(loaded) == target_counts(recount) - 1);
      const auto row = loaded.records.row(id);
      CHECK(row.record.status == Status::success);
      CHECK(row.record.target_count == 40);
      CHECK(row.audit_result == "PASS");
    }
  }
}

TEST_CASE("audit.target_count loaded: a target that loses rows fails the audit, saying so",
          "[tasks][chain][audit]") {
  test::ChainRun c;
  const auto id = c.add(0, 40);
  c.p.runtime->audit_loaded_count = true;
  c.p.target->drop_rows(10);
  CHECK(c.run().end == tasks::ChainEnd::failed);
  const auto row = c.records.row(id);
  CHECK(row.record.source_count == 40);
  CHECK(row.record.target_count == 30);
  CHECK(row.audit_result == "FAIL");
  CHECK(row.error_message ==
        "integrity: audit failed: source 40 rows, target 30 rows (25.00% > 0.00% allowed) "
        "(target count: the 30 rows the target reported for the load (audit.target_count: "
        "loaded))");
}
