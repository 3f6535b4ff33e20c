#pragma once
// Classic 5-field Vixie cron evaluated in an IANA zone. Pure: the caller passes the instant.
//
// DST: a matching local time inside a gap fires once, at the end of the gap; a matching
// local time repeated by a fold fires once, at its first occurrence.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <date/date.h>
#include <tl/expected.hpp>

#include "framework/core/instant.hpp"
#include "framework/time/zone.hpp"

namespace sluice::time {

class Cron {
 public:
  // Errors point at the field and value: "minute field: 61 is out of range 0-59",
  // "expression can never fire: day 30 does not exist in February".
  static tl::expected<Cron, std::string> parse(std::string_view expression);

  // The first fire instant strictly after `after` / strictly before `before`.
  // nullopt only past the supported range (year 9999), never for a valid expression.
  std::optional<Instant> next_fire(Instant after, Zone zone) const;
  std::optional<Instant> prev_fire(Instant before, Zone zone) const;

  // Whether the local wall-clock minute matches the five fields (Vixie's test, no DST).
  bool matches(date::local_seconds local_minute) const;

  const std::string& text() const { return text_; }

 private:
  friend class CronParser;

  // The matching days of one month, bit d for day d.
  std::uint32_t days_in_month(date::year y, date::month m) const;
  std::optional<date::local_seconds> next_local(date::local_seconds from) const;
  std::optional<date::local_seconds> prev_local(date::local_seconds from) const;

  std::string text_;
  std::uint64_t minutes_ = 0;        // bits 0-59
  std::uint32_t hours_ = 0;          // bits 0-23
  std::uint32_t days_of_month_ = 0;  // bits 1-31
  std::uint32_t months_ = 0;         // bits 1-12
  std::uint32_t days_of_week_ = 0;   // bits 0-6, Sunday = 0 (7 folded onto 0)
  // Vixie's rule: a day field is unrestricted ("star") when its text begins with `*`.
  bool dom_restricted_ = false;
  bool dow_restricted_ = false;
  // days_of_week_ spread over days 1-31 of a month whose first day has weekday i.
  std::array<std::uint32_t, 7> dow_by_first_weekday_{};
};

}  // namespace sluice::time
