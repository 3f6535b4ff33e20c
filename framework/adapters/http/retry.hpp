#pragma once
// How long to wait before asking again after a retryable status (429, 5xx: see
// net::retryable_status), and how far apart requests go. Retry-After (net::parse_retry_after)
// wins over the doubling delay, and neither waits longer than a cap. Pure: the caller passes
// `now` and sleeps.
#include <chrono>
#include <mutex>
#include <optional>

namespace sluice::adapters::http {

struct RetryPolicy {
  int max_retries = 5;
  std::chrono::milliseconds base_delay{500};   // doubled per attempt without Retry-After
  std::chrono::milliseconds max_delay{60000};  // cap, Retry-After included
};

// Wait before retry number `attempt` (1 for the first retry).
std::chrono::milliseconds retry_delay(const RetryPolicy& policy, int attempt,
                                      std::optional<std::chrono::milliseconds> retry_after);

// Spaces requests at most `per_second` apart (0: no limit). reserve() hands out the instant a
// request may start and books it; the caller sleeps until then.
class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  explicit RateLimiter(double per_second);
  Clock::time_point reserve(Clock::time_point now);

 private:
  Clock::duration interval_{};
  std::optional<Clock::time_point> next_;
};

// One RateLimiter shared by the windows that run at once on the same source.
class SharedRateLimiter {
 public:
  explicit SharedRateLimiter(double per_second) : limiter_(per_second) {}
  RateLimiter::Clock::time_point reserve(RateLimiter::Clock::time_point now) {
    std::lock_guard lock(mutex_);
    return limiter_.reserve(now);
  }

 private:
  std::mutex mutex_;
  RateLimiter limiter_;
};

}  // namespace sluice::adapters::http
