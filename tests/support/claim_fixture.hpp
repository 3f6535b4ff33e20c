#pragma once
// What the claim's integration tests share (tests/integration/store/pools_test.cpp,
// claim_limits_test.cpp, claim_windows_test.cpp): a migrated database with one connection,
// hourly windows made by SQL, the limits a claim is made under, and what runs. A test is a
// TEST_CASE_METHOD of ClaimFixture and calls these unqualified.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "framework/store/record_store.hpp"
#include "framework/store/records.hpp"
#include "tests/support/test_database.hpp"

namespace sluice::test {

struct ClaimFixture : MigratedDatabase {
  // `count` hourly windows of `pipeline` from `from` (`2024-01-01T05:00Z`), with `trigger`
  // and `status`, target_day 2024-01-01.
  static void hours_of(store::Connection& c, const std::string& pipeline, const std::string& from,
                       int count, const std::string& trigger = "scheduled",
                       const std::string& status = "PENDING");
  // A pipeline's limits in no pool.
  static store::ClaimLimit limit(const std::string& pipeline, int live = 1, int backfill = 1,
                                 int priority = 0);
  // In `pool` of `size` slots, `slots` per window; 10 live and 10 backfill windows at once.
  static store::ClaimLimit in_pool(const std::string& pipeline, const std::string& pool, int size,
                                   int slots = 1, int priority = 0);
  // What one claim_windows call of `records` under `limits` takes (up to `max` windows).
  static std::vector<store::Record> claim_batch(store::Records& records,
                                                const std::vector<store::ClaimLimit>& limits,
                                                int max);
  // "pipeline HH" of each window, ", " between: `a 00, a 01`.
  static std::string names(const std::vector<store::Record>& windows);
  // IN_PROGRESS windows of `pipeline`.
  static std::int64_t running(store::Connection& c, const std::string& pipeline);
  // The slots `pool`'s IN_PROGRESS windows hold.
  static std::int64_t slots_in_use(store::Connection& c, const std::string& pool);
};

}  // namespace sluice::test
