#include <date/date.h>
#include <catch2/catch.hpp>

#include "framework/core/ids.hpp"
#include "framework/core/instant.hpp"
#include "framework/core/suggest.hpp"
#include "framework/core/window.hpp"

using namespace sluice;
using namespace std::chrono;

TEST_CASE("parse_utc_offset_instant accepts Z, offsets and PostgreSQL's space form", "[core]") {
  const Instant expected = date::sys_days{date::year{2024} / 3 / 10} + hours(10);
  struct Case {
    const char* name;
    const char* text;
  };
  for (auto c :
       {Case{"Z", "2024-03-10T10:00:00Z"}, Case{"+02:00", "2024-03-10T12:00:00+02:00"},
        Case{"-0830", "2024-03-10T01:30:00-0830"}, Case{"space, +00", "2024-03-10 10:00:00+00"}}) {
    INFO(c.name);
    auto parsed = parse_utc_offset_instant(c.text);
    REQUIRE(parsed);
    CHECK(*parsed == expected);
  }
}

TEST_CASE("parse_utc_offset_instant rejects what is not an instant", "[core]") {
  for (auto text : {"", "2024-03-10", "2024-03-10T10:00:00", "2024-02-30T10:00:00Z",
                    "2024-03-10T24:00:00Z", "2024-03-10T10:00:00Zjunk", "2024-3-10T10:00:00Z"}) {
    INFO(text);
    CHECK_FALSE(parse_utc_offset_instant(text));
  }
}

TEST_CASE("windows order by start then end and print in UTC", "[core]") {
  const Instant t = date::sys_days{date::year{2024} / 1 / 1};
  const Window a{t, t + hours(1)};
  const Window b{t + hours(1), t + hours(2)};
  CHECK(a < b);
  CHECK(a.contains(t));
  CHECK_FALSE(a.contains(t + hours(1)));
  CHECK(to_string(a) == "[2024-01-01T00:00:00Z, 2024-01-01T01:00:00Z)");
}

TEST_CASE("run IDs carry their trigger", "[core]") {
  const auto id = RunId::make(Trigger::backfill, "2024-03-10T10:00:00.123456+00:00");
  CHECK(id.value == "backfill__2024-03-10T10:00:00.123456+00:00");
  CHECK(id.trigger() == Trigger::backfill);
  CHECK_FALSE(RunId{"nonsense"}.trigger());
}

TEST_CASE("closest_match suggests plausible typos only", "[core]") {
  const std::vector<std::string_view> keys{"granularity", "x_time_back", "catchup"};
  CHECK(closest_match("granularty", keys) == "granularity");
  CHECK(closest_match("CATCHUP", keys) == "catchup");
  CHECK_FALSE(closest_match("zzzzzz", keys));
  // A value of megabytes (a config mutant) is no typo of a short name, and is not compared
  // letter by letter with each of them.
  const auto started = std::chrono::steady_clock::now();
  CHECK_FALSE(closest_match(std::string(4 << 20, 'x'), keys));
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(1));
}

TEST_CASE("format_utc writes what date::format writes, from year 1 to 9999", "[core][instant]") {
  using namespace std::chrono;
  const auto at = [](int y, unsigned m, unsigned d, int h, int mi, int s) {
    return Instant{floor<Seconds>(date::sys_days{date::year{y} / date::month{m} / date::day{d}} +
                                  hours{h} + minutes{mi} + seconds{s})};
  };
  for (const Instant t :
       {at(1, 1, 1, 0, 0, 0), at(1969, 12, 31, 23, 59, 59), at(1970, 1, 1, 0, 0, 0),
        at(2024, 2, 29, 12, 5, 9), at(2024, 3, 31, 1, 0, 0), at(9999, 12, 31, 23, 59, 59)}) {
    const auto expected = date::format("%Y-%m-%dT%H:%M:%SZ", t);
    CHECK(format_utc(t) == expected);
  }
  CHECK(format_utc(at(2024, 2, 29, 12, 5, 9)) == "2024-02-29T12:05:09Z");
}
