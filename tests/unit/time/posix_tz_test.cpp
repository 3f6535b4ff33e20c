// Past a zone file's last transition (2037 in Debian's database) the file's POSIX rule
// decides; date/tz.h alone would keep the 2037 offset forever.
#include <catch2/catch.hpp>

#include "framework/time/cron.hpp"
#include "framework/time/posix_tz.hpp"
#include "framework/time/window_generator.hpp"
#include "tests/unit/time/helpers.hpp"

using namespace sluice;
using namespace sluice::time;
using namespace sluice::time::test;

TEST_CASE("POSIX TZ rules parse as the zone files write them", "[time][posix]") {
  struct Case {
    const char* rule;
    const char* instant;
    long long offset;
    const char* abbrev;
  };
  const Case cases[] = {
      {"PST8PDT,M3.2.0,M11.1.0", "2040-03-11T09:59:00Z", -8 * 3600, "PST"},
      {"PST8PDT,M3.2.0,M11.1.0", "2040-03-11T10:00:00Z", -7 * 3600, "PDT"},
      {"IST-1GMT0,M10.5.0,M3.5.0/1", "2050-01-15T12:00:00Z", 0, "GMT"},
      {"IST-1GMT0,M10.5.0,M3.5.0/1", "2050-03-27T01:00:00Z", 3600, "IST"},
      {"<-04>4<-03>,M9.1.6/24,M4.1.6/24", "2040-09-02T03:59:00Z", -4 * 3600, "-04"},
      {"<-04>4<-03>,M9.1.6/24,M4.1.6/24", "2040-09-02T04:00:00Z", -3 * 3600, "-03"},
      {"<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", "2045-09-30T15:29:00Z", 37800, "+1030"},
      {"<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", "2045-09-30T15:30:00Z", 39600, "+11"},
      {"<-02>2<-01>,M3.5.0/-1,M10.5.0/0", "2050-03-27T00:59:00Z", -2 * 3600, "-02"},
      {"<-02>2<-01>,M3.5.0/-1,M10.5.0/0", "2050-03-27T01:00:00Z", -3600, "-01"},
      {"EET-2EEST,M3.4.4/50,M10.4.4/50", "2050-07-01T00:00:00Z", 3 * 3600, "EEST"},
      {"XST5XDT,J60/2,J300/2", "2048-03-01T07:00:00Z", -4 * 3600, "XDT"},  // J60: Mar 1
      {"XST5XDT,59/2,300/2", "2048-02-29T06:59:00Z", -5 * 3600, "XST"},    // 59: Feb 29
      {"XST5XDT,59/2,300/2", "2048-02-29T07:00:00Z", -4 * 3600, "XDT"},
  };
  for (const auto& c : cases) {
    INFO(c.rule << " at " << c.instant);
    auto rule = PosixRule::parse(c.rule);
    REQUIRE(rule);
    const auto info = rule->info(at(c.instant));
    CHECK(info.offset.count() == c.offset);
    CHECK(info.abbrev == c.abbrev);
    CHECK(info.begin <= at(c.instant));
    CHECK(at(c.instant) < info.end);
  }
  for (auto text : {"", "PST", "PST8", "<+0545>-5:45", "PST8PDT", "PST8PDT,M13.1.0,M11.1.0",
                    "PST8PDT,M3.2.0", "PST8PDT,M3.2.0,M11.1.0x", "PST8PDT,J0,J365", "P8PDT,0,1",
                    "<PST8PDT,0,1", "PST8PDT,M3.6.0,M11.1.0", "PST8PDT,M3.2.0/200,M11.1.0"}) {
    INFO(text);
    CHECK_FALSE(PosixRule::parse(text));
  }
}

TEST_CASE("zones keep changing clocks after 2037", "[time][posix]") {
  struct Case {
    const char* zone;
    const char* utc;
    const char* local;
  };
  const Case cases[] = {
      {"America/Los_Angeles", "2040-03-11T10:00:00Z", "2040-03-11T03:00:00-07:00"},
      {"America/Los_Angeles", "2040-11-04T09:00:00Z", "2040-11-04T01:00:00-08:00"},
      {"Europe/Dublin", "2050-07-15T12:00:00Z", "2050-07-15T13:00:00+01:00"},
      {"America/Santiago", "2040-09-02T04:00:00Z", "2040-09-02T01:00:00-03:00"},
      {"Australia/Lord_Howe", "2045-10-01T15:30:00Z", "2045-10-02T02:30:00+11:00"},
  };
  for (const auto& c : cases) {
    INFO(c.zone << " " << c.utc);
    CHECK(format_in_zone(at(c.utc), zone(c.zone)) == c.local);
  }
  const Zone la = zone("America/Los_Angeles");
  CHECK(resolve_local(la, local(2040, 3, 11, 2, 30)) == at("2040-03-11T10:00:00Z"));
  CHECK(resolve_local(la, local(2040, 11, 4, 1, 30)) == at("2040-11-04T08:30:00Z"));
  const auto cron = Cron::parse("30 2 * * *").value();
  CHECK(format_in_zone(*cron.next_fire(at("2040-03-10T12:00:00Z"), la), la) ==
        "2040-03-11T03:00:00-07:00");
  WindowSpec s;
  s.granularity = Granularity::parse("1h").value();
  s.zone = la;
  const auto windows = all_windows(s, at("2040-11-04T08:00:00Z"), at("2040-11-04T10:30:00Z"));
  REQUIRE(windows.size() == 2);
  CHECK(format_in_zone(windows[0].start, la) == "2040-11-04T01:00:00-07:00");
  CHECK(format_in_zone(windows[0].end, la) == "2040-11-04T02:00:00-08:00");
}
