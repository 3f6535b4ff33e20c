#include "framework/core/instant.hpp"

#include <charconv>

#include <date/date.h>
#include <fmt/format.h>

namespace sluice {

std::string format_utc(Instant t) {
  // By hand rather than date::format: that builds an ostringstream (and its locale) per call,
  // and an API page of records formats two hundred of these.
  const auto day = std::chrono::floor<date::days>(t);
  const date::year_month_day ymd{day};
  const auto s = (t - day).count();
  char text[40];
  const auto end =
      fmt::format_to_n(text, sizeof text, "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                       static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                       static_cast<unsigned>(ymd.day()), s / 3600, s % 3600 / 60, s % 60);
  return std::string(text, end.out);
}

namespace {

bool take_int(std::string_view& s, std::size_t digits, int& out) {
  if (s.size() < digits) return false;
  for (std::size_t i = 0; i < digits; ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  std::from_chars(s.data(), s.data() + digits, out);
  s.remove_prefix(digits);
  return true;
}

bool take_char(std::string_view& s, char c) {
  if (s.empty() || s.front() != c) return false;
  s.remove_prefix(1);
  return true;
}

}  // namespace

std::optional<Instant> parse_utc_offset_instant(std::string_view s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!take_int(s, 4, y) || !take_char(s, '-') || !take_int(s, 2, mo) || !take_char(s, '-') ||
      !take_int(s, 2, d))
    return std::nullopt;
  if (!take_char(s, 'T') && !take_char(s, ' ')) return std::nullopt;
  if (!take_int(s, 2, h) || !take_char(s, ':') || !take_int(s, 2, mi) || !take_char(s, ':') ||
      !take_int(s, 2, sec))
    return std::nullopt;
  const date::year_month_day ymd{date::year{y}, date::month(static_cast<unsigned>(mo)),
                                 date::day(static_cast<unsigned>(d))};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 59) return std::nullopt;
  Seconds offset{0};
  if (take_char(s, 'Z')) {
  } else if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    const int sign = s.front() == '-' ? -1 : 1;
    s.remove_prefix(1);
    int oh = 0, om = 0;
    if (!take_int(s, 2, oh)) return std::nullopt;
    if (take_char(s, ':')) {
      if (!take_int(s, 2, om)) return std::nullopt;
    } else if (!s.empty() && !take_int(s, 2, om)) {
      return std::nullopt;
    }
    if (oh > 23 || om > 59) return std::nullopt;
    offset = sign * (std::chrono::hours(oh) + std::chrono::minutes(om));
  } else {
    return std::nullopt;
  }
  if (!s.empty()) return std::nullopt;
  return Instant{date::sys_days{ymd}} + std::chrono::hours(h) + std::chrono::minutes(mi) +
         Seconds(sec) - offset;
}

}  // namespace sluice
