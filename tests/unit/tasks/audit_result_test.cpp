#include <catch2/catch.hpp>

#include "tasks/audit_result.hpp"

using namespace sluice::tasks;

TEST_CASE("audit arithmetic follows the record columns' rules", "[tasks]") {
  struct Case {
    const char* name;
    std::int64_t source, target;
    double threshold;
    std::int64_t difference;
    double pct;
    bool pass;
  };
  for (auto c : {
           Case{"equal", 100, 100, 0, 0, 0, true},
           Case{"both empty is 0%", 0, 0, 0, 0, 0, true},
           Case{"empty source, rows in target is 100%", 0, 5, 50, -5, 100, false},
           Case{"target dropped a third", 300, 200, 0, 100, 33.33, false},
           Case{"within threshold", 1000, 995, 0.5, 5, 0.5, true},
           Case{"just over threshold", 1000, 994, 0.5, 6, 0.6, false},
           Case{"target has extra rows", 100, 150, 10, -50, 50, false},
           Case{"one lost row fails 0% though it shows 0.00", 1000000, 999999, 0, 1, 0, false},
           Case{"same row passes a 0.01% threshold", 1000000, 999999, 0.01, 1, 0, true},
           Case{"capped at the column's range", 1, 100000000, 0, 1 - 100000000, 99999.99, false},
       }) {
    INFO(c.name);
    const auto out = audit_counts(c.source, c.target, c.threshold);
    CHECK(out.count_difference == c.difference);
    CHECK(out.percentage_difference == Approx(c.pct).margin(0.001));
    CHECK(out.pass == c.pass);
    CHECK(out.result() == (c.pass ? "PASS" : "FAIL"));
  }
}
