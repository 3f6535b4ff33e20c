#include "framework/time/posix_tz.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>

namespace sluice::time {
namespace {

class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}
  bool done() const { return pos_ == s_.size(); }
  bool take(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) return ++pos_, true;
    return false;
  }
  bool peek_offset() const {
    return pos_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[pos_])) ||
                                s_[pos_] == '+' || s_[pos_] == '-');
  }

  // `PST` or `<+0545>`.
  std::optional<std::string> name() {
    const std::size_t start = pos_;
    if (take('<')) {
      const std::size_t close = s_.find('>', pos_);
      if (close == std::string_view::npos) return std::nullopt;
      pos_ = close + 1;
      return std::string(s_.substr(start + 1, close - start - 1));
    }
    while (pos_ < s_.size() && std::isalpha(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    if (pos_ - start < 3) return std::nullopt;
    return std::string(s_.substr(start, pos_ - start));
  }

  // [+-]hh[:mm[:ss]], hours up to 167 (the TZif extension for rule times).
  std::optional<Seconds> hms() {
    int sign = 1;
    if (take('-'))
      sign = -1;
    else
      take('+');
    std::array<long, 3> parts{0, 0, 0};
    for (std::size_t i = 0; i < parts.size(); ++i) {
      if (i > 0 && !take(':')) break;
      auto n = number();
      if (!n || *n > (i == 0 ? 167 : 59)) return std::nullopt;
      parts[i] = *n;
    }
    return Seconds{sign * (parts[0] * 3600 + parts[1] * 60 + parts[2])};
  }

  std::optional<long> number() {
    const std::size_t start = pos_;
    long n = 0;
    while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_])) &&
           pos_ - start < 4)
      n = n * 10 + (s_[pos_++] - '0');
    if (pos_ == start) return std::nullopt;
    return n;
  }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
};

Instant last_weekday_based(date::year y, date::month m, int week, int weekday) {
  const date::weekday wd{static_cast<unsigned>(weekday)};
  if (week == 5) return Instant{date::sys_days{y / m / wd[date::last]}};
  return Instant{date::sys_days{y / m / wd[static_cast<unsigned>(week)]}};
}

}  // namespace

std::optional<PosixRule> PosixRule::parse(std::string_view text) {
  Reader r(text);
  PosixRule rule;
  auto std_name = r.name();
  auto std_offset = std_name ? r.hms() : std::nullopt;
  if (!std_offset || r.done()) return std::nullopt;  // fixed offset: nothing to add
  auto dst_name = r.name();
  if (!dst_name) return std::nullopt;
  rule.std_abbrev_ = *std_name;
  rule.dst_abbrev_ = *dst_name;
  rule.std_offset_ = -*std_offset;  // POSIX counts west of Greenwich
  rule.dst_offset_ = rule.std_offset_ + Seconds{3600};
  if (r.peek_offset()) {
    auto dst_offset = r.hms();
    if (!dst_offset) return std::nullopt;
    rule.dst_offset_ = -*dst_offset;
  }
  for (Change* change : {&rule.start_, &rule.end_}) {
    if (!r.take(',')) return std::nullopt;
    Date& d = change->date;
    if (r.take('M')) {
      d.kind = Date::Kind::month_week_day;
      auto m = r.number();
      auto w = r.take('.') ? r.number() : std::nullopt;
      auto wd = r.take('.') ? r.number() : std::nullopt;
      if (!m || !w || !wd || *m < 1 || *m > 12 || *w < 1 || *w > 5 || *wd > 6) return std::nullopt;
      d.month = static_cast<int>(*m), d.week = static_cast<int>(*w), d.day = static_cast<int>(*wd);
    } else {
      d.kind = r.take('J') ? Date::Kind::julian_no_leap : Date::Kind::julian_zero;
      auto n = r.number();
      if (!n || *n > 365 || (d.kind == Date::Kind::julian_no_leap && *n < 1)) return std::nullopt;
      d.day = static_cast<int>(*n);
    }
    if (r.take('/')) {
      auto time = r.hms();
      if (!time) return std::nullopt;
      change->time = *time;
    }
  }
  if (!r.done()) return std::nullopt;
  return rule;
}

Instant PosixRule::when(const Change& c, int year, Seconds offset_before) const {
  const date::year y{year};
  const auto jan1 = Instant{date::sys_days{y / 1 / 1}};
  Instant day;
  switch (c.date.kind) {
    case Date::Kind::julian_no_leap:
      // Jn never counts February 29: day 60 is always March 1.
      day = jan1 + date::days{c.date.day - 1 + (y.is_leap() && c.date.day >= 60 ? 1 : 0)};
      break;
    case Date::Kind::julian_zero: day = jan1 + date::days{c.date.day}; break;
    case Date::Kind::month_week_day:
      day = last_weekday_based(y, date::month{static_cast<unsigned>(c.date.month)}, c.date.week,
                               c.date.day);
      break;
  }
  return day + c.time - offset_before;
}

date::sys_info PosixRule::info(Instant t) const {
  struct Transition {
    Instant at;
    bool to_dst;
  };
  const int y = static_cast<int>(date::year_month_day{date::floor<date::days>(t)}.year());
  std::array<Transition, 6> changes{};
  for (int i = 0; i < 3; ++i) {
    changes[2 * i] = {when(start_, y - 1 + i, std_offset_), true};
    changes[2 * i + 1] = {when(end_, y - 1 + i, dst_offset_), false};
  }
  // On a tie the change out of daylight time comes first (rules meaning "daylight all year").
  std::sort(changes.begin(), changes.end(), [](const Transition& a, const Transition& b) {
    return a.at != b.at ? a.at < b.at : a.to_dst < b.to_dst;
  });
  date::sys_info out;
  std::size_t i = 0;
  while (i + 1 < changes.size() && changes[i + 1].at <= t) ++i;
  const bool dst = changes[i].to_dst;
  out.begin = changes[i].at;
  out.end = i + 1 < changes.size() ? changes[i + 1].at : Instant::max();
  out.offset = dst ? dst_offset_ : std_offset_;
  out.save = dst ? std::chrono::duration_cast<std::chrono::minutes>(dst_offset_ - std_offset_)
                 : std::chrono::minutes{0};
  out.abbrev = dst ? dst_abbrev_ : std_abbrev_;
  return out;
}

const PosixRule* posix_rule(const date::time_zone* zone) {
  static std::mutex mutex;
  static std::map<const date::time_zone*, std::optional<PosixRule>> rules;
  std::lock_guard lock(mutex);
  if (auto it = rules.find(zone); it != rules.end()) return it->second ? &*it->second : nullptr;
  std::optional<PosixRule> rule;
  const char* dir = std::getenv("TZDIR");
  std::ifstream file(std::string(dir && *dir ? dir : "/usr/share/zoneinfo") + "/" + zone->name(),
                     std::ios::binary);
  const std::string data((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  // Version 2+ files end with "\n<rule>\n".
  if (data.size() > 6 && data.compare(0, 4, "TZif") == 0 && data[4] != '\0' &&
      data.back() == '\n') {
    const std::size_t start = data.rfind('\n', data.size() - 2);
    if (start != std::string::npos)
      rule = PosixRule::parse(std::string_view(data).substr(start + 1, data.size() - start - 2));
  }
  auto [it, inserted] = rules.emplace(zone, std::move(rule));
  return it->second ? &*it->second : nullptr;
}

}  // namespace sluice::time
