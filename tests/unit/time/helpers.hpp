#pragma once
// Shorthands shared by the time tests.
#include <date/date.h>

#include "framework/core/instant.hpp"
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

}  // namespace sluice::time::test
