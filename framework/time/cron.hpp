#pragma once
// Classic 5-field Vixie cron evaluated in an IANA zone. Pure: the caller passes the instant.
//
// DST: a matching local time inside a gap fires once, at the end of the gap; a matching
// local time repeated by a fold fires once, at its first occurrence.
#include <optional>
#include <string>
#include <string_view>

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

  const std::string& text() const { return text_; }

 private:
  std::string text_;
  // bitsets per field; filled by parse()
  unsigned long long minutes_ = 0;  // bits 0-59
  unsigned hours_ = 0;              // bits 0-23
  unsigned days_of_month_ = 0;      // bits 1-31
  unsigned months_ = 0;             // bits 1-12
  unsigned days_of_week_ = 0;       // bits 0-6, Sunday = 0
  bool dom_restricted_ = false;
  bool dow_restricted_ = false;
};

}  // namespace sluice::time
