#pragma once
// `run_if.calendar`: the days a pipeline's windows do not run, as dates (`2024-12-25`) or
// weekdays (`saturday`), judged on the local date of the window's start in the pipeline's
// zone (its target_day). Pure: the caller passes the window's start and the zone.
#include <array>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include <date/date.h>
#include <tl/expected.hpp>

#include "framework/core/instant.hpp"
#include "framework/time/zone.hpp"

namespace sluice::time {

struct SkipCalendar {
  std::set<date::year_month_day> dates;
  std::array<bool, 7> weekdays{};  // by date::weekday::c_encoding(): 0 is Sunday

  bool empty() const;
};

// Adds one entry of the list: a date `YYYY-MM-DD` that exists, or a weekday by its English
// name or at least its first three letters (`sat`, `thurs`), in any case. The error says why the
// entry is neither: "2024-02-30 is not a date: 2024-02 has 29 days", "unknown weekday 'satruday'
// (did you mean 'saturday'?)".
tl::expected<void, std::string> add_calendar_entry(SkipCalendar& calendar, std::string_view entry);

// Why a window starting at `window_start` is not to run: "2024-12-25 is listed",
// "Saturday 2024-03-30 is listed (saturday)"; nullopt when its day is not listed.
std::optional<std::string> skipped_day(const SkipCalendar& calendar, Instant window_start,
                                       Zone zone);

}  // namespace sluice::time
