// Window boundaries are computed on the local calendar (multiples of the granularity
// from local midnight, Mondays, the 1st) and mapped to instants with resolve_local: a
// boundary in a gap moves to the gap's end, one in a fold takes its first pass. The mapping
// never goes backwards, so consecutive boundaries give windows that tile time; two
// boundaries mapping to one instant (both in a gap) give an empty window, which is dropped.
#include "framework/time/window_generator.hpp"

#include <limits>

namespace sluice::time {
namespace {

using date::local_seconds;
using Unit = Granularity::Unit;

// The local boundary at or before a local time, and the one after a boundary.
local_seconds floor_local(const Granularity& g, local_seconds t) {
  const auto day = date::floor<date::days>(t);
  switch (g.unit()) {
    case Unit::sub_day: return day + (t - day) / g.step() * g.step();
    case Unit::day: return day;
    case Unit::week: {
      const unsigned since_monday = date::weekday{day}.iso_encoding() - 1;
      return local_seconds{day - date::days{since_monday}};
    }
    case Unit::month: {
      const date::year_month_day ymd{day};
      return local_seconds{date::local_days{ymd.year() / ymd.month() / 1}};
    }
  }
  return day;
}

local_seconds next_local(const Granularity& g, local_seconds b) {
  switch (g.unit()) {
    case Unit::sub_day: return b + g.step();
    case Unit::day: return b + date::days{1};
    case Unit::week: return b + date::days{7};
    case Unit::month: {
      const date::year_month_day ymd{date::floor<date::days>(b)};
      return local_seconds{date::local_days{(ymd.year() / ymd.month() + date::months{1}) / 1}};
    }
  }
  return b + date::days{1};
}

// Walks the boundaries of a spec in increasing order, skipping those that repeat an instant.
class Boundaries {
 public:
  // Positioned on the last boundary at or before t.
  Boundaries(const WindowSpec& spec, Instant t) : g_(spec.granularity), resolver_(spec.zone) {
    local_seconds upper = to_local(spec.zone, t);
    // In a fold's second pass every boundary of the fold lies before t.
    if (const LocalResolution r = classify_local(spec.zone, upper);
        r.kind == LocalResolution::Kind::fold && r.instant < t) {
      upper = r.end - Seconds(1);
    }
    local_ = floor_local(g_, upper);
    instant_ = resolver_.resolve(local_);
  }

  Instant instant() const { return instant_; }

  void advance() {
    const Instant from = instant_;
    do {
      local_ = next_local(g_, local_);
      instant_ = resolver_.resolve(local_);
    } while (instant_ == from);
  }

 private:
  Granularity g_;
  LocalResolver resolver_;
  local_seconds local_;
  Instant instant_;
};

Instant first_start(const WindowSpec& spec, Instant at_or_after) {
  Boundaries b(spec, at_or_after);
  if (b.instant() < at_or_after) b.advance();
  return b.instant();
}

// The newest instant a due window may end at: end + x_time_back <= now.
struct DueCutoff {
  DueCutoff(const WindowSpec& spec, Instant now) : lag(spec.x_time_back), now(now) {}
  bool due(Instant end) const {
    if (lag.months == 0) return end <= now - lag.fixed;
    return add(end, lag) <= now;
  }
  Duration lag;
  Instant now;
};

}  // namespace

Instant floor_boundary(const WindowSpec& spec, Instant t) {
  return Boundaries(spec, t).instant();
}

Instant next_boundary(const WindowSpec& spec, Instant t) {
  Boundaries b(spec, t);
  b.advance();
  return b.instant();
}

bool is_due(const WindowSpec& spec, const Window& w, Instant now) {
  return DueCutoff(spec, now).due(w.end);
}

std::vector<Window> due_windows(const WindowSpec& spec, std::optional<Instant> last_generated_end,
                                Instant now, std::size_t max_batch) {
  std::vector<Window> out;
  if (max_batch == 0) return out;
  const Instant begin = first_start(
      spec, last_generated_end ? std::max(*last_generated_end, spec.start) : spec.start);
  const DueCutoff cutoff(spec, now);
  const Instant limit = spec.end.value_or(Instant::max());
  if (!spec.catchup) {
    // The newest due window: the one ending at the last boundary that is due and within end.
    const Duration& lag = spec.x_time_back;
    Boundaries b(spec, std::min(lag.months == 0 ? now - lag.fixed : subtract(now, lag), limit));
    if (lag.months != 0) {
      // Calendar months make `end + lag <= now` only approximately invertible: settle it
      // on the boundaries next to the guess.
      Boundaries next = b;
      next.advance();
      while (next.instant() <= limit && cutoff.due(next.instant())) {
        b = next;
        next.advance();
      }
      while (b.instant() > begin && !cutoff.due(b.instant()))
        b = Boundaries(spec, b.instant() - Seconds(1));
    }
    const Instant end = b.instant();
    if (end <= begin) return out;
    const Instant start = Boundaries(spec, end - Seconds(1)).instant();
    if (start >= begin) out.push_back(Window{start, end});
    return out;
  }
  Boundaries b(spec, begin);
  while (out.size() < max_batch) {
    const Instant start = b.instant();
    b.advance();
    const Window w{start, b.instant()};
    if (w.end > limit || !cutoff.due(w.end)) break;
    out.push_back(w);
  }
  return out;
}

std::vector<Window> windows_in_range(const WindowSpec& spec, Instant from, Instant to) {
  std::vector<Window> out;
  const Instant limit = spec.end.value_or(Instant::max());
  Boundaries b(spec, first_start(spec, std::max(from, spec.start)));
  // Sub-day windows are numerous and regular: size the result once.
  if (const Instant stop = std::min(to, limit);
      spec.granularity.unit() == Granularity::Unit::sub_day && b.instant() < stop &&
      stop - b.instant() < date::years{100}) {
    out.reserve(static_cast<std::size_t>((stop - b.instant()) / spec.granularity.step()) + 2);
  }
  while (b.instant() < to) {
    const Instant start = b.instant();
    b.advance();
    if (b.instant() > limit) break;
    out.push_back(Window{start, b.instant()});
  }
  return out;
}

date::year_month_day target_day(const Window& w, Zone zone) {
  return date::year_month_day{date::floor<date::days>(to_local(zone, w.start))};
}

}  // namespace sluice::time
