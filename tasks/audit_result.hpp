#pragma once
// The audit's arithmetic: what the count_difference, percentage_difference and audit_result
// columns hold for a pair of counts.
#include <cstdint>
#include <string_view>

namespace sluice::tasks {

struct AuditOutcome {
  std::int64_t count_difference = 0;  // source - target: positive means rows are missing
  double percentage_difference = 0;   // |source - target| / source * 100, 2 decimals
  bool pass = true;

  std::string_view result() const { return pass ? "PASS" : "FAIL"; }
};

// Source 0 and target 0 is 0%; source 0 and target > 0 is 100%. The percentage is capped at
// 99999.99 (the column's range); the audit passes when it is <= max_difference_pct.
AuditOutcome audit_counts(std::int64_t source_count, std::int64_t target_count,
                          double max_difference_pct);

}  // namespace sluice::tasks
