#pragma once
// Lengths of time as operators write them: `30s`, `15m`, `2h`, `1d`, `1w`, `1mo`, and
// compounds such as `1h30m`. Months are calendar months, so they stay apart from the
// fixed part; `1d` in a Duration is 24 hours (a lag, a lease). Calendar days for windows
// are the Granularity's business.
#include <chrono>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

#include "framework/core/instant.hpp"

namespace sluice::time {

struct Duration {
  std::int64_t months = 0;
  Seconds fixed{0};

  bool is_zero() const { return months == 0 && fixed.count() == 0; }
  auto operator<=>(const Duration&) const = default;
};

// Errors name the problem: "empty duration", "unknown unit 'x' in '5x' (use s, m, h, d, w, mo)",
// "duration must be greater than zero", "duration '99999999999999d' overflows".
tl::expected<Duration, std::string> parse_duration(std::string_view text);

// Canonical text, the inverse of parse_duration: `1h30m`, `1mo`, `2w`.
std::string to_string(const Duration& d);

// t + d; months are added on the UTC calendar, clamping the day (Jan 31 + 1mo = Feb 28/29).
Instant add(Instant t, const Duration& d);
Instant subtract(Instant t, const Duration& d);

// A timer's wait: the fixed part, at least 1 ms and at most 100 years. Steady clocks count
// nanoseconds in int64 (292 years), so a wait the config allows (up to 10,000 years) would
// overflow when a timer or a condition variable adds it to now.
std::chrono::milliseconds timer_wait(const Duration& d);
std::chrono::milliseconds timer_wait(std::chrono::milliseconds d);

}  // namespace sluice::time
