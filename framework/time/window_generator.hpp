#pragma once
// What is due, per pipeline. Pure: the caller passes `now` and the end of the last window
// it generated; cron only decides when to look.
//
// Boundaries are local wall-clock multiples of the granularity from local midnight in the
// pipeline's zone (weeks start Monday, months on the 1st). A boundary in a DST gap moves to
// the gap's end, one in a fold takes its first occurrence, empty windows are dropped: the
// windows tile time with no gap and no overlap.
#include <cstddef>
#include <cstdint>
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

// Walks the boundaries of a spec in increasing order, skipping those that repeat an instant
// (two boundaries in one DST gap).
class Boundaries {
 public:
  // Positioned on the last boundary at or before t.
  Boundaries(const WindowSpec& spec, Instant t);

  Instant instant() const { return instant_; }
  void advance();

  // How many boundaries lie in [instant(), stop), counted a stretch of constant UTC offset
  // at a time: a few steps per DST transition rather than one per boundary. Moves past them.
  std::int64_t count_before(Instant stop);

 private:
  // Jumps over the boundaries after this one that share its offset stretch and lie before
  // `stop`; returns how many.
  std::int64_t skip_before(Instant stop);

  Granularity g_;
  LocalResolver resolver_;
  date::local_seconds local_;
  Instant instant_;
};

// Exactly the windows the schedule would have produced whose start lies in [from, to)
// (backfill, previews); clipped to spec.start and spec.end. Lazy: one window at a time, so
// memory does not depend on the range (a range to 9999-12-31 costs what a day costs).
class WindowRange {
 public:
  WindowRange(const WindowSpec& spec, Instant from, Instant to);

  // The next window, oldest first; nullopt once past the range.
  std::optional<Window> next();

  // How many windows next() has left, without making them (see Boundaries::count_before).
  std::int64_t remaining() const;

  // The instant the unvisited part of the range starts at: the next window's start, or
  // `to` once the range is done. A caller working in batches resumes from here.
  Instant resume_point() const;

 private:
  Boundaries b_;
  Instant to_;
  Instant limit_;  // spec.end: no window ends after it
  bool done_ = false;
  std::optional<Instant> last_end_;  // the greatest boundary <= spec.end, when it is set
};

bool is_due(const WindowSpec& spec, const Window& w, Instant now);

// The local date of the window's start: the `target_day` column.
date::year_month_day target_day(const Window& w, Zone zone);

}  // namespace sluice::time
