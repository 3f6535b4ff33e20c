#pragma once
// What a daemon may claim: one ClaimLimit per pipeline it runs, gathered in a ClaimLimitSet
// with the set's fingerprint. A set is made once per load of the pipelines (a reload makes
// another), and each claim sends only its fingerprint (sql/migrations/0017_claim_windows.sql):
// at 10,000 pipelines, building the limits and their fingerprint at every claim cost more
// than the claim's own statement.
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "framework/core/ids.hpp"

namespace sluice::store {

// How many windows of a pipeline may run at once, live and backfill apart.
struct ClaimLimit {
  PipelineId pipeline;
  int live = 1;
  int backfill = 1;
  int version = 0;  // the definition the claimer runs (pipeline_definitions); 0: unknown
  // Its pool (empty: none): a window takes `pool_slots` of the `pool_size` slots every daemon's
  // running windows of that pool share. `priority` orders the claim: higher first.
  std::string pool{};
  int pool_slots = 1;
  int pool_size = 0;
  int priority = 0;
};

// What identifies a set of limits: sluice_claim_windows claims only under the set stored
// with this fingerprint.
std::int64_t claim_limits_fingerprint(std::span<const ClaimLimit> limits);

// The limits of every pipeline a claimer claims for, and their fingerprint, computed once.
class ClaimLimitSet {
 public:
  ClaimLimitSet() = default;
  // Implicit: a list of limits is a set (tests and benchmarks claim with literal lists).
  ClaimLimitSet(std::vector<ClaimLimit> limits)
      : limits_(std::move(limits)), fingerprint_(claim_limits_fingerprint(limits_)) {}

  std::span<const ClaimLimit> limits() const { return limits_; }
  std::int64_t fingerprint() const { return fingerprint_; }
  bool empty() const { return limits_.empty(); }

 private:
  std::vector<ClaimLimit> limits_;
  std::int64_t fingerprint_ = claim_limits_fingerprint({});
};

}  // namespace sluice::store
