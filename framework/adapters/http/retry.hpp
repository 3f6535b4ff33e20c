#pragma once
// How long to wait before asking again after a retryable status (429, 5xx: see
// net::retryable_status), and how far apart requests go. Retry-After (net::parse_retry_after)
// wins over the doubling delay, and neither waits longer than a cap. Pure: the caller passes
// `now` and sleeps.
#include <chrono>
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

}  // namespace sluice::adapters::http
