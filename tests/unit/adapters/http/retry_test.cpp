// Retry delays with a cap, and the rate limiter on a clock the test moves.
#include <catch2/catch.hpp>

#include "framework/adapters/http/retry.hpp"

using namespace sluice::adapters::http;
using namespace std::chrono_literals;

TEST_CASE("retry delays double from the base, Retry-After wins, both capped", "[http]") {
  const RetryPolicy p{5, 500ms, 3s};
  struct Case {
    const char* name;
    int attempt;
    std::optional<std::chrono::milliseconds> retry_after;
    std::chrono::milliseconds expected;
  };
  const Case cases[] = {
      {"first", 1, std::nullopt, 500ms},  {"second", 2, std::nullopt, 1000ms},
      {"third", 3, std::nullopt, 2000ms}, {"capped", 4, std::nullopt, 3000ms},
      {"far", 60, std::nullopt, 3000ms},  {"Retry-After", 1, 2s, 2000ms},
      {"Retry-After zero", 3, 0s, 0ms},   {"Retry-After capped", 1, 120s, 3000ms},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    CHECK(retry_delay(p, c.attempt, c.retry_after) == c.expected);
  }
}

TEST_CASE("the rate limiter spaces requests and does not bank idle time", "[http]") {
  using Clock = RateLimiter::Clock;
  const Clock::time_point t0{};
  RateLimiter limiter(4);  // one every 250 ms
  CHECK(limiter.reserve(t0) == t0);
  CHECK(limiter.reserve(t0) == t0 + 250ms);
  CHECK(limiter.reserve(t0 + 100ms) == t0 + 500ms);
  // Idle for a while: the next one goes at once, and only one does.
  CHECK(limiter.reserve(t0 + 10s) == t0 + 10s);
  CHECK(limiter.reserve(t0 + 10s) == t0 + 10s + 250ms);

  RateLimiter unlimited(0);
  for (int i = 0; i < 3; ++i) CHECK(unlimited.reserve(t0 + 1s) == t0 + 1s);
}
