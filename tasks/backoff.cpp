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

std::chrono::seconds condition_wait_delay(const BackoffPolicy& policy, std::chrono::seconds waited,
                                          std::chrono::seconds left, double draw) {
  const long base = std::max<long>(policy.base.count(), 1);
  const long cap = std::max<long>(policy.cap.count(), base);
  const double full = static_cast<double>(std::clamp<long>(waited.count(), base, cap));
  const double jitter = std::clamp(draw, 0.0, 1.0 - 1e-12);
  const long delay = std::llround(full / 2 + full / 2 * jitter);
  return std::chrono::seconds(std::max<long>(1, std::min<long>(delay, left.count())));
}

}  // namespace sluice::tasks
