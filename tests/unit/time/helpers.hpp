#pragma once
// Shorthands shared by the time tests.
#include <date/date.h>

#include "framework/core/instant.hpp"
#include "framework/time/window_generator.hpp"
#include "framework/time/zone.hpp"

namespace sluice::time::test {

inline Zone zone(const char* name) {
  return locate_zone(name).value();
}

inline Instant utc(int y, unsigned m, unsigned d, int h = 0, int mi = 0) {
  return Instant{date::sys_days{date::year{y} / m / d}} + std::chrono::hours(h) +
         std::chrono::minutes(mi);
}

inline date::local_seconds local(int y, unsigned m, unsigned d, int h = 0, int mi = 0) {
  return date::local_seconds{date::local_days{date::year{y} / m / d}} + std::chrono::hours(h) +
         std::chrono::minutes(mi);
}

// `2024-03-10T03:00:00-07:00` or a parse failure, for readable tables.
inline Instant at(const char* text) {
  return parse_instant(text, utc_zone()).value();
}

inline WindowSpec spec_of(const char* granularity, const char* zone_name, Instant start,
                          const char* lag = nullptr) {
  WindowSpec s;
  s.granularity = Granularity::parse(granularity).value();
  s.zone = zone(zone_name);
  s.start = start;
  if (lag) s.x_time_back = parse_duration(lag).value();
  return s;
}

// Every window of a WindowRange, for ranges a test keeps small.
inline std::vector<Window> all_windows(const WindowSpec& spec, Instant from, Instant to) {
  std::vector<Window> out;
  WindowRange range(spec, from, to);
  while (const auto w = range.next()) out.push_back(*w);
  return out;
}

}  // namespace sluice::time::test
