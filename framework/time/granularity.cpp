#include "framework/time/granularity.hpp"

#include <fmt/format.h>

namespace sluice::time {

tl::expected<Granularity, std::string> Granularity::from(const Duration& d) {
  using tl::unexpected;
  constexpr std::int64_t day = 86400;
  const std::string text = time::to_string(d);
  Granularity g;
  if (d.months != 0 || d.fixed.count() > day) {
    if (d.months == 1 && d.fixed.count() == 0) {
      g.unit_ = Unit::month;
      g.step_ = Seconds{0};
      return g;
    }
    if (d.months == 0 && d.fixed.count() == 7 * day) {
      g.unit_ = Unit::week;
      g.step_ = Seconds{7 * day};
      return g;
    }
    return unexpected(fmt::format("granularity {} is not supported (use 1d, 1w or 1mo)", text));
  }
  if (d.fixed.count() <= 0) return unexpected(std::string("granularity must be greater than zero"));
  if (d.fixed.count() == day) return g;  // the default: one calendar day
  if (day % d.fixed.count() != 0)
    return unexpected(fmt::format("granularity {} does not divide 24h", text));
  g.unit_ = Unit::sub_day;
  g.step_ = d.fixed;
  return g;
}

tl::expected<Granularity, std::string> Granularity::parse(std::string_view text) {
  auto d = parse_duration(text);
  if (!d) return tl::unexpected("granularity: " + d.error());
  return from(*d);
}

std::string Granularity::to_string() const {
  switch (unit_) {
    case Unit::sub_day: return time::to_string(Duration{0, step_});
    case Unit::day: return "1d";
    case Unit::week: return "1w";
    case Unit::month: return "1mo";
  }
  return "1d";
}

}  // namespace sluice::time
