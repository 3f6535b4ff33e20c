#pragma once
// A window size. Under a day it must divide 24h (boundaries are wall-clock multiples from
// local midnight); of a day or more only `1d`, `1w` (weeks start Monday) and `1mo`.
#include <compare>
#include <string>

#include <tl/expected.hpp>

#include "framework/time/duration.hpp"

namespace sluice::time {

class Granularity {
 public:
  enum class Unit { sub_day, day, week, month };

  // "granularity 7m does not divide 24h", "granularity 2d is not supported (use 1d, 1w or 1mo)".
  static tl::expected<Granularity, std::string> from(const Duration& d);
  static tl::expected<Granularity, std::string> parse(std::string_view text);

  Unit unit() const { return unit_; }
  Seconds step() const { return step_; }  // for sub_day only
  std::string to_string() const;          // `2h`, `1d`, `1w`, `1mo`: the `time_interval` column

  auto operator<=>(const Granularity&) const = default;

 private:
  Unit unit_ = Unit::day;
  Seconds step_{86400};
};

}  // namespace sluice::time
