#pragma once
// IANA zones through Howard Hinnant's date/tz.h (the OS tz database; GCC 12 has no
// std::chrono::zoned_time), and the instant text form of the operator tools.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <date/tz.h>
#include <tl/expected.hpp>

#include "framework/core/instant.hpp"

namespace sluice::time {

using Zone = const date::time_zone*;

// "unknown time zone 'Europe/Zurch' (did you mean 'Europe/Zurich'?)" when not found.
tl::expected<Zone, std::string> locate_zone(std::string_view name);

Zone utc_zone();

// `2024-03-10T01:30:00-08:00`: the instant in `zone` with its offset.
std::string format_in_zone(Instant t, Zone zone);

// Accepts `YYYY-MM-DDTHH:MM:SS+HH:MM`, `...Z`, or a bare `YYYY-MM-DD` meaning local
// midnight in `zone` (the first instant of that local day, should midnight fall in a gap).
tl::expected<Instant, std::string> parse_instant(std::string_view text, Zone zone);

// The offset period holding an instant, and what a local wall-clock time is in the zone
// (unique, in a gap, or in a fold). Every conversion of this library goes through these two.
date::sys_info zone_info(Zone zone, Instant t);
date::local_info zone_info(Zone zone, date::local_seconds t);

date::local_seconds to_local(Zone zone, Instant t);

// The instant of a local wall-clock time: one in a DST gap moves to the gap's end, one
// repeated by a fold takes its first occurrence.
Instant resolve_local(Zone zone, date::local_seconds t);

// A local wall-clock time in a zone: its instant under the rule above and, for a time in a
// gap or a fold, that gap or fold as the local interval [begin, end).
struct LocalResolution {
  enum class Kind { unique, gap, fold } kind = Kind::unique;
  Instant instant;
  date::local_seconds begin;
  date::local_seconds end;
};
LocalResolution classify_local(Zone zone, date::local_seconds t);

// resolve_local for many nearby local times: between two transitions a local time is the
// instant plus a fixed offset, so the tz database is consulted once per offset period.
class LocalResolver {
 public:
  explicit LocalResolver(Zone zone) : zone_(zone) {}
  Instant resolve(date::local_seconds t) {
    if (lo_ <= t && t < hi_) return Instant{t.time_since_epoch() - offset_};
    return refill(t);
  }
  Zone zone() const { return zone_; }

  // The local times from t up to `end` are unique at `offset`: instant = local - offset.
  // nullopt when t itself lies in a gap or a fold.
  struct Stretch {
    date::local_seconds end;
    Seconds offset;
  };
  std::optional<Stretch> stretch(date::local_seconds t) {
    resolve(t);
    if (lo_ <= t && t < hi_) return Stretch{hi_, offset_};
    return std::nullopt;
  }

 private:
  Instant refill(date::local_seconds t);
  Zone zone_;
  date::local_seconds lo_{}, hi_{};  // local times here are unique, at offset_
  Seconds offset_{0};
};

// The names of every zone the database knows, sorted (for suggestions and listings).
const std::vector<std::string>& zone_names();

}  // namespace sluice::time
