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

// A local time `t + offset` that saturates instead of overflowing for the far ends of Instant.
date::local_seconds local_at(Instant t, Seconds offset) {
  constexpr auto margin = date::days{2};
  if (t > Instant::max() - margin) return date::local_seconds::max();
  if (t < Instant::min() + margin) return date::local_seconds::min();
  return date::local_seconds{t.time_since_epoch() + offset};
}

}  // namespace

Boundaries::Boundaries(const WindowSpec& spec, Instant t)
    : g_(spec.granularity), resolver_(spec.zone) {
  local_seconds upper = to_local(spec.zone, t);
  // In a fold's second pass every boundary of the fold lies before t.
  if (const LocalResolution r = classify_local(spec.zone, upper);
      r.kind == LocalResolution::Kind::fold && r.instant < t) {
    upper = r.end - Seconds(1);
  }
  local_ = floor_local(g_, upper);
  instant_ = resolver_.resolve(local_);
}

void Boundaries::advance() {
  const Instant from = instant_;
  for (;;) {
    local_ = next_local(g_, local_);
    instant_ = resolver_.resolve(local_);
    if (instant_ != from) break;
    // Every boundary left in this gap falls on its end too: go straight to the last of them
    // (a 1s grain would otherwise step through an hour of them, once per DST spring).
    if (const LocalResolution r = classify_local(resolver_.zone(), local_);
        r.kind == LocalResolution::Kind::gap && r.end - Seconds(1) > local_)
      local_ = floor_local(g_, r.end - Seconds(1));
  }
}

std::int64_t Boundaries::skip_before(Instant stop) {
  const auto stretch = resolver_.stretch(local_);
  if (!stretch) return 0;
  // The last local time that is both in the stretch and before stop.
  const local_seconds last = std::min(stretch->end, local_at(stop, stretch->offset)) - Seconds(1);
  if (last <= local_) return 0;
  std::int64_t k = 0;
  if (g_.unit() == Unit::month) {
    const date::year_month_day from{date::floor<date::days>(local_)};
    const date::year_month_day to{date::floor<date::days>(last)};
    k = ((to.year() / to.month()) - (from.year() / from.month())).count();
    local_ = local_seconds{
        date::local_days{(from.year() / from.month() + date::months(static_cast<int>(k))) / 1}};
  } else {
    const Seconds step = g_.unit() == Unit::sub_day ? g_.step()
                         : g_.unit() == Unit::day   ? Seconds(date::days{1})
                                                    : Seconds(date::weeks{1});
    k = (last - local_) / step;
    local_ += k * step;
  }
  instant_ = resolver_.resolve(local_);
  return k;
}

std::int64_t Boundaries::count_before(Instant stop) {
  std::int64_t n = 0;
  while (instant_ < stop) {
    n += skip_before(stop);
    if (instant_ >= stop) break;  // cannot happen: a skip stays before stop
    ++n;
    advance();
  }
  return n;
}

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

WindowRange::WindowRange(const WindowSpec& spec, Instant from, Instant to)
    : b_(spec, first_start(spec, std::max(from, spec.start))),
      to_(to),
      limit_(spec.end.value_or(Instant::max())) {
  if (spec.end) last_end_ = floor_boundary(spec, *spec.end);
}

std::optional<Window> WindowRange::next() {
  if (done_ || b_.instant() >= to_) {
    done_ = true;
    return std::nullopt;
  }
  const Instant start = b_.instant();
  Boundaries after = b_;
  after.advance();
  if (after.instant() > limit_) {
    done_ = true;
    return std::nullopt;
  }
  b_ = after;
  return Window{start, b_.instant()};
}

std::int64_t WindowRange::remaining() const {
  if (done_) return 0;
  // A window starting at b is in the range while b < to and it ends by spec.end, that is
  // while b lies before the last boundary at or before spec.end.
  Boundaries walk = b_;
  return walk.count_before(last_end_ ? std::min(to_, *last_end_) : to_);
}

Instant WindowRange::resume_point() const {
  return done_ || b_.instant() >= to_ ? to_ : b_.instant();
}

date::year_month_day target_day(const Window& w, Zone zone) {
  return date::year_month_day{date::floor<date::days>(to_local(zone, w.start))};
}

}  // namespace sluice::time
