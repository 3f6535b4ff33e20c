#include "tasks/audit_result.hpp"

#include <algorithm>
#include <cmath>

namespace sluice::tasks {

AuditOutcome audit_counts(std::int64_t source_count, std::int64_t target_count,
                          double max_difference_pct) {
  AuditOutcome out;
  out.count_difference = source_count - target_count;
  if (source_count == 0) {
    out.percentage_difference = target_count == 0 ? 0.0 : 100.0;
  } else {
    const double diff =
        std::fabs(static_cast<double>(source_count) - static_cast<double>(target_count));
    const double pct = diff / std::fabs(static_cast<double>(source_count)) * 100.0;
    out.percentage_difference = std::min(std::round(pct * 100.0) / 100.0, 99999.99);
    // The unrounded figure decides: one row lost out of a million fails a 0% threshold
    // even though the stored percentage reads 0.00 (count_difference shows the row).
    out.pass = pct <= max_difference_pct;
    return out;
  }
  out.pass = out.percentage_difference <= max_difference_pct;
  return out;
}

}  // namespace sluice::tasks
