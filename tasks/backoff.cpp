#include "tasks/backoff.hpp"

#include <algorithm>
#include <cmath>

namespace sluice::tasks {

std::chrono::seconds backoff_delay(const BackoffPolicy& policy, int attempt, double draw) {
  const double base = static_cast<double>(std::max<long>(policy.base.count(), 0));
  const double cap = static_cast<double>(std::max<long>(policy.cap.count(), 0));
  // 2^62 overflows nothing in double and is far beyond any cap.
  const double grown = base * std::ldexp(1.0, std::clamp(attempt - 1, 0, 62));
  const double full = std::min(grown, cap);
  const double jitter = std::clamp(draw, 0.0, 1.0 - 1e-12);
  return std::chrono::seconds(static_cast<long>(std::llround(full / 2 + full / 2 * jitter)));
}

}  // namespace sluice::tasks
