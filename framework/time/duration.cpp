#include "framework/time/duration.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include <date/date.h>
#include <fmt/format.h>

namespace sluice::time {
namespace {

struct DurationUnit {
  std::string_view name;
  std::int64_t seconds;  // 0 for months
};

// Largest first: the order compounds must be written in and to_string prints.
constexpr std::array<DurationUnit, 6> kUnits{
    {{"mo", 0}, {"w", 7 * 86400}, {"d", 86400}, {"h", 3600}, {"m", 60}, {"s", 1}}};

// Ten thousand years: far beyond any lag or window, and small enough that adding a
// duration to any instant of the supported calendar (years 1-9999) cannot overflow.
constexpr std::int64_t kMaxSeconds = 10000LL * 366 * 86400;
constexpr std::int64_t kMaxMonths = 10000LL * 12;

}  // namespace

tl::expected<Duration, std::string> parse_duration(std::string_view text) {
  using tl::unexpected;
  if (text.empty()) return unexpected(std::string("empty duration"));
  if (text.front() == '-')
    return unexpected(fmt::format("duration '{}' is negative; it must be greater than zero", text));
  Duration d;
  std::size_t pos = 0;
  std::size_t last_unit = 0;  // index into kUnits + 1 of the previous component
  while (pos < text.size()) {
    const std::size_t number_at = pos;
    std::int64_t n = 0;
    bool overflow = false;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
      n = n * 10 + (text[pos] - '0');
      if (n > kMaxSeconds) overflow = true, n = kMaxSeconds;
      ++pos;
    }
    if (pos == number_at) {
      if (!std::isalpha(static_cast<unsigned char>(text[pos])))
        return unexpected(
            fmt::format("unexpected '{}' at column {} of duration '{}'", text[pos], pos + 1, text));
      return unexpected(
          fmt::format("expected a number at column {} of duration '{}' (e.g. 30s, "
                      "15m, 1h30m, 1d, 1w, 1mo)",
                      number_at + 1, text));
    }
    const std::size_t unit_at = pos;
    while (pos < text.size() && std::isalpha(static_cast<unsigned char>(text[pos]))) ++pos;
    const std::string_view unit = text.substr(unit_at, pos - unit_at);
    if (unit.empty()) {
      if (pos == text.size())
        return unexpected(fmt::format("missing unit after '{}' in '{}' (use s, m, h, d, w, mo)",
                                      text.substr(number_at), text));
      return unexpected(
          fmt::format("unexpected '{}' at column {} of duration '{}'", text[pos], pos + 1, text));
    }
    std::size_t index = 0;
    while (index < kUnits.size() && kUnits[index].name != unit) ++index;
    if (index == kUnits.size())
      return unexpected(
          fmt::format("unknown unit '{}' in '{}' (use s, m, h, d, w, mo)", unit, text));
    if (index + 1 <= last_unit)
      return unexpected(
          fmt::format("duration '{}': write each unit once, largest first "
                      "(mo, w, d, h, m, s), as in 1h30m",
                      text));
    last_unit = index + 1;
    if (overflow) return unexpected(fmt::format("duration '{}' overflows", text));
    if (kUnits[index].seconds == 0) {
      if (n > kMaxMonths) return unexpected(fmt::format("duration '{}' overflows", text));
      d.months = n;
    } else {
      if (n > (kMaxSeconds - d.fixed.count()) / kUnits[index].seconds)
        return unexpected(fmt::format("duration '{}' overflows", text));
      d.fixed += Seconds(n * kUnits[index].seconds);
    }
  }
  if (d.is_zero()) return unexpected(fmt::format("duration '{}' must be greater than zero", text));
  return d;
}

std::string to_string(const Duration& d) {
  if (d.is_zero()) return "0s";
  std::string out;
  if (d.months != 0) out += fmt::format("{}mo", d.months);
  std::int64_t rest = d.fixed.count();
  for (const auto& unit : kUnits) {
    if (unit.seconds == 0 || rest == 0) continue;
    if (const std::int64_t n = rest / unit.seconds; n != 0) {
      out += fmt::format("{}{}", n, unit.name);
      rest -= n * unit.seconds;
    }
  }
  return out;
}

namespace {

Instant add_months(Instant t, std::int64_t months) {
  if (months == 0) return t;
  const auto day = std::chrono::floor<date::days>(t);
  const date::year_month_day ymd{day};
  const std::int64_t index = static_cast<std::int64_t>(static_cast<int>(ymd.year())) * 12 +
                             static_cast<unsigned>(ymd.month()) - 1 + months;
  const std::int64_t y = index >= 0 ? index / 12 : (index - 11) / 12;
  const auto m = static_cast<unsigned>(index - y * 12 + 1);
  const date::year_month ym{date::year{static_cast<int>(y)}, date::month{m}};
  const date::day last =
      date::year_month_day_last{ym.year(), date::month_day_last{ym.month()}}.day();
  const date::year_month_day moved{ym.year(), ym.month(), std::min(ymd.day(), last)};
  return Instant{date::sys_days{moved}} + (t - day);
}

}  // namespace

Instant add(Instant t, const Duration& d) {
  return add_months(t, d.months) + d.fixed;
}

Instant subtract(Instant t, const Duration& d) {
  return add_months(t, -d.months) - d.fixed;
}

std::chrono::milliseconds timer_wait(std::chrono::milliseconds d) {
  constexpr std::chrono::milliseconds longest = std::chrono::hours(24 * 366 * 100);
  return std::clamp(d, std::chrono::milliseconds(1), longest);
}

std::chrono::milliseconds timer_wait(const Duration& d) {
  // Seconds to milliseconds cannot overflow: parse_duration keeps under 10,000 years.
  return timer_wait(std::chrono::duration_cast<std::chrono::milliseconds>(d.fixed));
}

}  // namespace sluice::time
