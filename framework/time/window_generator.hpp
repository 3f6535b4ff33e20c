#pragma once
// What is due, per pipeline. Pure: the caller passes `now` and the end of the last window
// it generated; cron only decides when to look.
//
// Boundaries are local wall-clock multiples of the granularity from local midnight in the
// pipeline's zone (weeks start Monday, months on the 1st). A boundary in a DST gap moves to
// the gap's end, one in a fold takes its first occurrence, empty windows are dropped: the
// windows tile time with no gap and no overlap.
#include <cstddef>
#include <optional>
#include <vector>

#include <date/date.h>

#include "framework/core/window.hpp"
#include "framework/time/duration.hpp"
#include "framework/time/granularity.hpp"
#include "framework/time/zone.hpp"

namespace sluice::time {

struct WindowSpec {
  Granularity granularity;
  Zone zone = nullptr;
  Instant start;               // windows begin at the first boundary at or after start
  std::optional<Instant> end;  // no window ends after end
  bool catchup = true;         // false: only the newest due window
  Duration x_time_back;        // a window is due when window.end + x_time_back <= now
};

// The boundary at or before t / strictly after t.
Instant floor_boundary(const WindowSpec& spec, Instant t);
Instant next_boundary(const WindowSpec& spec, Instant t);

// The windows due at `now`, oldest first, at most max_batch, starting after
// `last_generated_end` (or at spec.start when nothing was generated yet).
std::vector<Window> due_windows(const WindowSpec& spec, std::optional<Instant> last_generated_end,
                                Instant now, std::size_t max_batch);

// Exactly the windows the schedule would have produced whose start lies in [from, to)
// (backfill); clipped to spec.start and spec.end.
std::vector<Window> windows_in_range(const WindowSpec& spec, Instant from, Instant to);

bool is_due(const WindowSpec& spec, const Window& w, Instant now);

// The local date of the window's start: the `target_day` column.
date::year_month_day target_day(const Window& w, Zone zone);

}  // namespace sluice::time
