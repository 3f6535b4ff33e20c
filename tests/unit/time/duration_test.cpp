#include <date/date.h>
#include <catch2/catch.hpp>

#include "framework/time/duration.hpp"
#include "tests/unit/time/helpers.hpp"

using namespace sluice;
using namespace sluice::time;
using namespace sluice::time::test;
using std::chrono::hours;
using std::chrono::minutes;

TEST_CASE("parse_duration reads single units and compounds", "[time][duration]") {
  struct Case {
    const char* name;
    const char* text;
    std::int64_t months;
    std::int64_t seconds;
    const char* canonical;
  };
  const Case cases[] = {
      {"seconds", "30s", 0, 30, "30s"},
      {"minutes", "15m", 0, 900, "15m"},
      {"hours", "2h", 0, 7200, "2h"},
      {"day", "1d", 0, 86400, "1d"},
      {"week", "1w", 0, 604800, "1w"},
      {"month", "1mo", 1, 0, "1mo"},
      {"compound", "1h30m", 0, 5400, "1h30m"},
      {"minutes beyond an hour print as hours", "90m", 0, 5400, "1h30m"},
      {"fourteen days print as weeks", "14d", 0, 14 * 86400, "2w"},
      {"months and days stay apart", "1mo2d", 1, 2 * 86400, "1mo2d"},
      {"every unit", "1mo1w1d1h1m1s", 1, 694861, "1mo1w1d1h1m1s"},
      {"zero part inside a compound", "1h0m", 0, 3600, "1h"},
      {"leading zeros", "007m", 0, 420, "7m"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    auto d = parse_duration(c.text);
    REQUIRE(d);
    CHECK(d->months == c.months);
    CHECK(d->fixed.count() == c.seconds);
    CHECK(to_string(*d) == c.canonical);
    CHECK(parse_duration(to_string(*d)) == d);
  }
}

TEST_CASE("parse_duration names what is wrong", "[time][duration]") {
  struct Case {
    const char* name;
    const char* text;
    const char* message_part;
  };
  const Case cases[] = {
      {"empty", "", "empty duration"},
      {"zero", "0s", "greater than zero"},
      {"zero compound", "0h0m", "greater than zero"},
      {"negative", "-5m", "negative"},
      {"unknown unit", "5x", "unknown unit 'x' in '5x'"},
      {"capital unit", "5H", "unknown unit 'H'"},
      {"no unit", "15", "missing unit"},
      {"no number", "m", "expected a number at column 1"},
      {"fraction", "1.5h", "unexpected '.' at column 2"},
      {"space", "1h 30m", "unexpected ' ' at column 3"},
      {"repeated unit", "1h1h", "each unit once"},
      {"wrong order", "30m1h", "largest first"},
      {"overflow", "99999999999999d", "overflows"},
      {"overflow of digits", "99999999999999999999999s", "overflows"},
      {"months overflow", "9999999mo", "overflows"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    auto d = parse_duration(c.text);
    REQUIRE_FALSE(d);
    CHECK_THAT(d.error(), Catch::Contains(c.message_part));
  }
}

TEST_CASE("adding months clamps the day on the UTC calendar", "[time][duration]") {
  struct Case {
    const char* name;
    Instant from;
    const char* duration;
    Instant expected;
  };
  const Case cases[] = {
      {"Jan 31 + 1mo in a leap year", utc(2024, 1, 31, 5), "1mo", utc(2024, 2, 29, 5)},
      {"Jan 31 + 1mo in a common year", utc(2023, 1, 31), "1mo", utc(2023, 2, 28)},
      {"Dec + 1mo crosses the year", utc(2023, 12, 15), "1mo", utc(2024, 1, 15)},
      {"13 months", utc(2023, 12, 15), "13mo", utc(2025, 1, 15)},
      {"month then hours", utc(2024, 3, 31, 22), "1mo3h", utc(2024, 5, 1, 1)},
      {"fixed days ignore the calendar", utc(2024, 2, 28), "2d", utc(2024, 3, 1)},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const auto d = parse_duration(c.duration).value();
    CHECK(add(c.from, d) == c.expected);
  }
  CHECK(subtract(utc(2024, 3, 31), parse_duration("1mo").value()) == utc(2024, 2, 29));
  CHECK(subtract(utc(2024, 1, 15), parse_duration("1mo1h").value()) == utc(2023, 12, 14, 23));
}
