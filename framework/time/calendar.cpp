#include "framework/time/calendar.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

#include <fmt/format.h>

#include "framework/core/suggest.hpp"

namespace sluice::time {
namespace {

// By date::weekday::c_encoding().
constexpr std::array<std::string_view, 7> kWeekdays{"sunday",   "monday", "tuesday", "wednesday",
                                                    "thursday", "friday", "saturday"};

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c));
  });
}

// `YYYY-MM-DD` as written; nullopt when the text does not have that shape.
std::optional<date::year_month_day> date_fields(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  const auto y = text.substr(0, 4), m = text.substr(5, 2), d = text.substr(8, 2);
  if (!digits(y) || !digits(m) || !digits(d)) return std::nullopt;
  const auto number = [](std::string_view s) {
    int n = 0;
    for (char c : s) n = n * 10 + (c - '0');
    return n;
  };
  return date::year{number(y)} / date::month{static_cast<unsigned>(number(m))} /
         date::day{static_cast<unsigned>(number(d))};
}

std::string capitalised(std::string_view name) {
  std::string out(name);
  out.front() = static_cast<char>(std::toupper(static_cast<unsigned char>(out.front())));
  return out;
}

}  // namespace

bool SkipCalendar::empty() const {
  return dates.empty() && std::none_of(weekdays.begin(), weekdays.end(), [](bool b) { return b; });
}

tl::expected<void, std::string> add_calendar_entry(SkipCalendar& calendar, std::string_view entry) {
  if (const auto ymd = date_fields(entry)) {
    if (!ymd->month().ok())
      return tl::unexpected(fmt::format("{} is not a date: there is no month {}", entry,
                                        static_cast<unsigned>(ymd->month())));
    if (!ymd->ok()) {
      const auto last = date::year_month_day_last{ymd->year(), date::month_day_last{ymd->month()}};
      return tl::unexpected(fmt::format("{} is not a date: {} has {} days", entry,
                                        entry.substr(0, 7), static_cast<unsigned>(last.day())));
    }
    calendar.dates.insert(*ymd);
    return {};
  }
  const std::string name = lower(entry);
  for (std::size_t i = 0; i < kWeekdays.size(); ++i) {
    if (name.size() >= 3 && kWeekdays[i].starts_with(name)) {
      calendar.weekdays[i] = true;
      return {};
    }
  }
  if (!name.empty() && std::isdigit(static_cast<unsigned char>(name.front())))
    return tl::unexpected(fmt::format("'{}' is neither a date (YYYY-MM-DD) nor a weekday", entry));
  const std::vector<std::string_view> names(kWeekdays.begin(), kWeekdays.end());
  std::string message = fmt::format("unknown weekday '{}'", entry);
  if (auto close = closest_match(name, names)) {
    message += " (did you mean '" + *close + "'?)";
  } else {
    message +=
        " (a date YYYY-MM-DD, or one of: monday, tuesday, wednesday, thursday, friday, "
        "saturday, sunday, or at least their first three letters)";
  }
  return tl::unexpected(std::move(message));
}

std::optional<std::string> skipped_day(const SkipCalendar& calendar, Instant window_start,
                                       Zone zone) {
  const auto local = date::floor<date::days>(to_local(zone ? zone : utc_zone(), window_start));
  const date::year_month_day day{local};
  const std::string text = date::format("%F", day);
  if (calendar.dates.contains(day)) return text + " is listed";
  const unsigned weekday = date::weekday{local}.c_encoding();
  if (calendar.weekdays[weekday])
    return capitalised(kWeekdays[weekday]) + " " + text + " is listed (" +
           std::string(kWeekdays[weekday]) + ")";
  return std::nullopt;
}

}  // namespace sluice::time
