// Fire-time search. The fields are searched on the local calendar with bit masks (a
// whole month of candidate days at once), then each candidate local minute is mapped to an
// instant: a minute in a gap fires at the gap's end, a minute in a fold at its first pass.
// That mapping never goes backwards in time, so the first candidate past `after` wins.
#include <bit>

#include "framework/time/cron.hpp"

namespace sluice::time {
namespace {

using date::days;
using date::local_days;
using date::local_seconds;
using std::chrono::minutes;

constexpr int kMinYear = 1;
constexpr int kMaxYear = 9999;
// Each round of the DST loop below moves strictly past a gap or fold; zones have a few
// hundred transitions at most, so this bound only guards against a broken tz database.
constexpr int kMaxRounds = 100000;

// Lowest set bit at or above `from`, or -1.
int next_bit(std::uint64_t mask, int from) {
  if (from > 63) return -1;
  const std::uint64_t m = mask & (~std::uint64_t{0} << from);
  return m ? std::countr_zero(m) : -1;
}

// Highest set bit at or below `from`, or -1.
int prev_bit(std::uint64_t mask, int from) {
  if (from < 0) return -1;
  const std::uint64_t m = from >= 63 ? mask : mask & ((std::uint64_t{2} << from) - 1);
  return m ? 63 - std::countl_zero(m) : -1;
}

// The next / previous month after ym whose bit is set in `months` (bits 1-12, not empty).
date::year_month next_month(date::year_month ym, std::uint32_t months) {
  const int m = next_bit(months, static_cast<int>(static_cast<unsigned>(ym.month())) + 1);
  if (m > 0) return ym.year() / date::month(static_cast<unsigned>(m));
  return (ym.year() + date::years{1}) / date::month(static_cast<unsigned>(next_bit(months, 1)));
}
date::year_month prev_month(date::year_month ym, std::uint32_t months) {
  const int m = prev_bit(months & ~1u, static_cast<int>(static_cast<unsigned>(ym.month())) - 1);
  if (m > 0) return ym.year() / date::month(static_cast<unsigned>(m));
  return (ym.year() - date::years{1}) / date::month(static_cast<unsigned>(prev_bit(months, 12)));
}

}  // namespace

std::uint32_t Cron::days_in_month(date::year y, date::month m) const {
  const unsigned last = static_cast<unsigned>((y / m / date::last).day());
  const auto valid = static_cast<std::uint32_t>((std::uint64_t{2} << last) - 2);
  const unsigned first = date::weekday{local_days{y / m / 1}}.c_encoding();
  const std::uint32_t dow = dow_by_first_weekday_[first];
  // Vixie's rule: with either day field unrestricted a day must match both.
  const bool both = !dom_restricted_ || !dow_restricted_;
  return (both ? (days_of_month_ & dow) : (days_of_month_ | dow)) & valid;
}

bool Cron::matches(local_seconds t) const {
  const auto day = date::floor<days>(t);
  const date::year_month_day ymd{day};
  const auto minute_of_day = date::floor<minutes>(t - day).count();
  const unsigned d = static_cast<unsigned>(ymd.day());
  return (minutes_ >> (minute_of_day % 60) & 1) && (hours_ >> (minute_of_day / 60) & 1) &&
         (months_ >> static_cast<unsigned>(ymd.month()) & 1) &&
         (days_in_month(ymd.year(), ymd.month()) >> d & 1);
}

std::optional<local_seconds> Cron::next_local(local_seconds from) const {
  auto day = date::floor<days>(from);
  int minute_of_day = static_cast<int>(date::ceil<minutes>(from - day).count());
  if (minute_of_day == 1440) day += days{1}, minute_of_day = 0;
  const date::year_month_day start{day};
  date::year_month ym{start.year(), start.month()};
  int d = static_cast<int>(static_cast<unsigned>(start.day()));
  while (static_cast<int>(ym.year()) <= kMaxYear) {
    if (months_ >> static_cast<unsigned>(ym.month()) & 1) {
      const std::uint32_t mask = days_in_month(ym.year(), ym.month());
      for (int dd = next_bit(mask, d); dd >= 0; dd = next_bit(mask, dd + 1)) {
        if (dd != d) minute_of_day = 0;
        int h = minute_of_day / 60;
        int m = (hours_ >> h & 1) ? next_bit(minutes_, minute_of_day % 60) : -1;
        if (m < 0) {
          h = next_bit(hours_, h + 1);
          m = h >= 0 ? next_bit(minutes_, 0) : -1;
        }
        if (m >= 0) {
          return local_seconds{local_days{ym / date::day(static_cast<unsigned>(dd))}} +
                 minutes(h * 60 + m);
        }
        d = dd + 1;
        minute_of_day = 0;
      }
    }
    ym = next_month(ym, months_);
    d = 1;
    minute_of_day = 0;
  }
  return std::nullopt;
}

std::optional<local_seconds> Cron::prev_local(local_seconds from) const {
  const auto day = date::floor<days>(from);
  int minute_of_day = static_cast<int>(date::floor<minutes>(from - day).count());
  const date::year_month_day start{day};
  date::year_month ym{start.year(), start.month()};
  int d = static_cast<int>(static_cast<unsigned>(start.day()));
  while (static_cast<int>(ym.year()) >= kMinYear) {
    if (months_ >> static_cast<unsigned>(ym.month()) & 1) {
      const std::uint32_t mask = days_in_month(ym.year(), ym.month());
      for (int dd = prev_bit(mask, d); dd >= 1; dd = prev_bit(mask, dd - 1)) {
        if (dd != d) minute_of_day = 1439;
        int h = minute_of_day / 60;
        int m = (hours_ >> h & 1) ? prev_bit(minutes_, minute_of_day % 60) : -1;
        if (m < 0) {
          h = prev_bit(hours_, h - 1);
          m = h >= 0 ? prev_bit(minutes_, 59) : -1;
        }
        if (m >= 0) {
          return local_seconds{local_days{ym / date::day(static_cast<unsigned>(dd))}} +
                 minutes(h * 60 + m);
        }
        d = dd - 1;
        minute_of_day = 1439;
      }
    }
    ym = prev_month(ym, months_);
    d = 31;
    minute_of_day = 1439;
  }
  return std::nullopt;
}

std::optional<Instant> Cron::next_fire(Instant after, Zone zone) const {
  // Every local minute at or before after's own wall-clock time maps to an instant at or
  // before `after`, so the search starts just past it.
  local_seconds from = date::floor<minutes>(to_local(zone, after)) + minutes(1);
  for (int round = 0; round < kMaxRounds; ++round) {
    const auto candidate = next_local(from);
    if (!candidate) return std::nullopt;
    const LocalResolution r = classify_local(zone, *candidate);
    if (r.instant > after) return r.instant;
    // Only a gap or a fold maps a later wall-clock time to an earlier instant: skip it.
    from = r.kind == LocalResolution::Kind::unique ? *candidate + minutes(1) : r.end;
  }
  return std::nullopt;
}

std::optional<Instant> Cron::prev_fire(Instant before, Zone zone) const {
  const local_seconds local_before = to_local(zone, before);
  local_seconds from = local_before - std::chrono::seconds(1);
  // In a fold's second pass every minute of the fold maps to its first pass, before us.
  if (const LocalResolution r = classify_local(zone, local_before);
      r.kind == LocalResolution::Kind::fold && r.instant < before) {
    from = r.end - std::chrono::seconds(1);
  }
  for (int round = 0; round < kMaxRounds; ++round) {
    const auto candidate = prev_local(from);
    if (!candidate) return std::nullopt;
    const LocalResolution r = classify_local(zone, *candidate);
    if (r.instant < before) return r.instant;
    // A gap's minutes all fire at its end, which is not before `before`: skip the gap.
    from = (r.kind == LocalResolution::Kind::gap ? r.begin : *candidate) - std::chrono::seconds(1);
  }
  return std::nullopt;
}

}  // namespace sluice::time
