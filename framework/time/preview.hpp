#pragma once
// What the operator previews print, in the spirit of `systemd-analyze calendar
// --iterations=N`: `sluicectl cron next` and `sluicectl windows preview`. Instants print as
// `YYYY-MM-DDTHH:MM:SS+HH:MM` in the zone.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <date/date.h>
#include <nlohmann/json.hpp>

#include "framework/time/cron.hpp"
#include "framework/time/window_generator.hpp"

namespace sluice::time {

// The next `count` fire instants strictly after `after` (fewer only past year 9999).
std::vector<Instant> next_fires(const Cron& cron, Zone zone, Instant after, std::size_t count);

// One instant per line / a JSON array of the same strings.
std::string format_fires(const std::vector<Instant>& fires, Zone zone);
nlohmann::json fires_json(const std::vector<Instant>& fires, Zone zone);

struct WindowPreviewRow {
  Window window;
  date::year_month_day target_day;
  bool due = false;  // window.end + x_time_back <= now (catchup aside)

  bool operator==(const WindowPreviewRow&) const = default;
};

// The windows the pipeline would have whose start lies in [from, to), at most `limit`; made
// one at a time, so a range to 9999-12-31 costs what its first `limit` windows cost.
// `more`, when given, is set to how many windows of the range are left out (counted, not made).
std::vector<WindowPreviewRow> preview_windows(const WindowSpec& spec, Instant from, Instant to,
                                              Instant now, std::size_t limit,
                                              std::int64_t* more = nullptr);

// An aligned table with a header (WINDOW_START WINDOW_END TARGET_DAY DUE), one row per
// window, or a JSON array of {window_start, window_end, window_start_utc, window_end_utc,
// target_day, due}.
std::string format_window_preview(const std::vector<WindowPreviewRow>& rows, Zone zone);
nlohmann::json window_preview_json(const std::vector<WindowPreviewRow>& rows, Zone zone);

}  // namespace sluice::time
