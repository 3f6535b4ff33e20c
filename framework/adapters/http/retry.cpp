#include "framework/adapters/http/retry.hpp"

#include <algorithm>

namespace sluice::adapters::http {

std::chrono::milliseconds retry_delay(const RetryPolicy& policy, int attempt,
                                      std::optional<std::chrono::milliseconds> retry_after) {
  if (retry_after) return std::min(*retry_after, policy.max_delay);
  auto delay = policy.base_delay;
  for (int i = 1; i < attempt && delay < policy.max_delay; ++i) delay *= 2;
  return std::min(delay, policy.max_delay);
}

RateLimiter::RateLimiter(double per_second) {
  if (per_second > 0)
    interval_ = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(1.0 / per_second));
}

RateLimiter::Clock::time_point RateLimiter::reserve(Clock::time_point now) {
  if (interval_ == Clock::duration::zero()) return now;
  const auto at = next_ ? std::max(now, *next_) : now;
  next_ = at + interval_;
  return at;
}

}  // namespace sluice::adapters::http
