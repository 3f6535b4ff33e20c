#include <date/date.h>
#include <algorithm>
#include <random>

#include <catch2/catch.hpp>

#include "framework/time/zone.hpp"
#include "tests/unit/time/helpers.hpp"

using namespace sluice;
using namespace sluice::time;
using namespace sluice::time::test;
using std::chrono::hours;
using std::chrono::minutes;

TEST_CASE("locate_zone finds IANA names and suggests close ones", "[time][zone]") {
  CHECK(locate_zone("Europe/Zurich").value()->name() == "Europe/Zurich");
  CHECK(utc_zone()->name() == "UTC");
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"Europe/Zurch", "unknown time zone 'Europe/Zurch' (did you mean 'Europe/Zurich'?)"},
      {"europe/zurich", "did you mean 'Europe/Zurich'?"},
      {"Mars/Olympus_Mons_Base", "unknown time zone 'Mars/Olympus_Mons_Base' (use an IANA name"},
      {"", "empty time zone name"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    auto z = locate_zone(c.text);
    REQUIRE_FALSE(z);
    CHECK_THAT(z.error(), Catch::Contains(c.message));
  }
}

TEST_CASE("format_in_zone prints the local time with its offset", "[time][zone]") {
  struct Case {
    const char* name;
    const char* zone;
    Instant t;
    const char* text;
  };
  const Case cases[] = {
      {"UTC", "UTC", utc(2024, 3, 10, 10), "2024-03-10T10:00:00+00:00"},
      {"LA before spring-forward", "America/Los_Angeles", utc(2024, 3, 10, 9, 59),
       "2024-03-10T01:59:00-08:00"},
      {"LA after spring-forward", "America/Los_Angeles", utc(2024, 3, 10, 10),
       "2024-03-10T03:00:00-07:00"},
      {"LA fold, first pass", "America/Los_Angeles", utc(2024, 11, 3, 8, 30),
       "2024-11-03T01:30:00-07:00"},
      {"LA fold, second pass", "America/Los_Angeles", utc(2024, 11, 3, 9, 30),
       "2024-11-03T01:30:00-08:00"},
      {"Kathmandu", "Asia/Kathmandu", utc(2024, 1, 1), "2024-01-01T05:45:00+05:45"},
      {"Lord Howe summer", "Australia/Lord_Howe", utc(2024, 1, 1), "2024-01-01T11:00:00+11:00"},
      {"Lord Howe winter", "Australia/Lord_Howe", utc(2024, 7, 1), "2024-07-01T10:30:00+10:30"},
      {"local mean time keeps its seconds", "Europe/Zurich", utc(1850, 1, 1),
       "1850-01-01T00:34:08+00:34:08"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const auto text = format_in_zone(c.t, zone(c.zone));
    CHECK(text == c.text);
    CHECK(parse_instant(text, utc_zone()) == c.t);
  }
}

TEST_CASE("resolve_local moves gap times to the gap's end and takes a fold's first pass",
          "[time][zone]") {
  struct Case {
    const char* name;
    const char* zone;
    date::local_seconds local;
    Instant expected;
  };
  const Case cases[] = {
      {"LA ordinary", "America/Los_Angeles", local(2024, 3, 9, 2, 30), utc(2024, 3, 9, 10, 30)},
      {"LA gap start", "America/Los_Angeles", local(2024, 3, 10, 2), utc(2024, 3, 10, 10)},
      {"LA inside gap", "America/Los_Angeles", local(2024, 3, 10, 2, 30), utc(2024, 3, 10, 10)},
      {"LA gap end", "America/Los_Angeles", local(2024, 3, 10, 3), utc(2024, 3, 10, 10)},
      {"LA fold", "America/Los_Angeles", local(2024, 11, 3, 1, 30), utc(2024, 11, 3, 8, 30)},
      {"LA after fold", "America/Los_Angeles", local(2024, 11, 3, 2), utc(2024, 11, 3, 10)},
      {"Zurich gap", "Europe/Zurich", local(2024, 3, 31, 2, 15), utc(2024, 3, 31, 1)},
      {"Zurich fold", "Europe/Zurich", local(2024, 10, 27, 2, 15), utc(2024, 10, 27, 0, 15)},
      {"Lord Howe 30-minute gap", "Australia/Lord_Howe", local(2024, 10, 6, 2, 10),
       utc(2024, 10, 5, 15, 30)},
      {"Lord Howe 30-minute fold", "Australia/Lord_Howe", local(2024, 4, 7, 1, 45),
       utc(2024, 4, 6, 14, 45)},
      {"Kathmandu", "Asia/Kathmandu", local(2024, 6, 1, 0, 0), utc(2024, 5, 31, 18, 15)},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    CHECK(resolve_local(zone(c.zone), c.local) == c.expected);
  }
}

TEST_CASE("parse_instant accepts an offset, Z, or a bare date in the zone", "[time][zone]") {
  const Zone la = zone("America/Los_Angeles");
  struct Case {
    const char* name;
    const char* text;
    Zone zone;
    Instant expected;
  };
  const Case cases[] = {
      {"offset", "2024-03-10T01:30:00-08:00", la, utc(2024, 3, 10, 9, 30)},
      {"Z", "2024-03-10T09:30:00Z", la, utc(2024, 3, 10, 9, 30)},
      {"bare date is local midnight", "2024-03-10", la, utc(2024, 3, 10, 8)},
      {"bare date in UTC", "2024-02-29", utc_zone(), utc(2024, 2, 29)},
      // America/Havana springs forward at midnight: the day starts at 01:00.
      {"midnight in a gap", "2024-03-10", zone("America/Havana"), utc(2024, 3, 10, 5)},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    auto t = parse_instant(c.text, c.zone);
    REQUIRE(t);
    CHECK(*t == c.expected);
  }
  for (auto bad : {"", "2024-02-30", "2024-03-10T10:00:00", "tomorrow", "2024-03-10T10:00Z",
                   "2024-03-10T10:00:00+05:00:99"}) {
    INFO(bad);
    auto t = parse_instant(bad, la);
    REQUIRE_FALSE(t);
    CHECK_THAT(t.error(), Catch::Contains("invalid instant"));
  }
}

TEST_CASE("LocalResolver agrees with resolve_local in any order of queries", "[time][zone]") {
  std::mt19937 random(7);
  for (const char* name : {"America/Los_Angeles", "Australia/Lord_Howe", "Europe/Dublin",
                           "Antarctica/Troll", "America/Havana"}) {
    INFO(name);
    const Zone z = zone(name);
    LocalResolver resolver(z);
    // Every DST change of 2024, approached from both sides in random order.
    std::vector<date::local_seconds> probes;
    for (Instant t = z->get_info(utc(2024, 1, 1)).end; t < utc(2025, 1, 1);
         t = z->get_info(t).end) {
      const auto wall = to_local(z, t);
      for (int m = -150; m <= 150; m += 5) probes.push_back(wall + minutes(m));
    }
    std::shuffle(probes.begin(), probes.end(), random);
    std::size_t wrong = 0;
    for (const auto p : probes) wrong += resolver.resolve(p) != resolve_local(z, p);
    CHECK(wrong == 0);
  }
}
