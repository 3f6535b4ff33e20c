#pragma once
// The POSIX TZ rule at the end of a TZif file (`PST8PDT,M3.2.0,M11.1.0`), which governs
// every instant after the file's last transition. date/tz.h 3.0.1 reading the OS database
// ignores it, so without this a zone would keep its 2037 offset forever.
#include <optional>
#include <string>
#include <string_view>

#include <date/tz.h>

#include "framework/core/instant.hpp"

namespace sluice::time {

class PosixRule {
 public:
  // nullopt for a fixed offset (`<+0545>-5:45`) or text that is not a POSIX TZ string.
  static std::optional<PosixRule> parse(std::string_view text);

  // The offset period holding t, as the rule alone says.
  date::sys_info info(Instant t) const;

 private:
  struct Date {
    enum class Kind { julian_no_leap, julian_zero, month_week_day } kind;
    int day = 0;  // Jn: 1-365; n: 0-365; M: weekday 0-6
    int month = 0;
    int week = 0;
  };
  struct Change {
    Date date;
    Seconds time{7200};  // local wall-clock time of the change (may be < 0 or > 24h)
  };
  // The change's instant in year y: `time` is read on the clock in force before it.
  Instant when(const Change& c, int y, Seconds offset_before) const;

  std::string std_abbrev_, dst_abbrev_;
  Seconds std_offset_{0}, dst_offset_{0};  // east of UTC
  Change start_, end_;                     // into and out of daylight time
};

// The rule of a zone of the OS database, read once from its file.
const PosixRule* posix_rule(const date::time_zone* zone);

}  // namespace sluice::time
