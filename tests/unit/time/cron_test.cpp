#include <catch2/catch.hpp>

#include "framework/time/cron.hpp"
#include "tests/unit/time/helpers.hpp"

using namespace sluice;
using namespace sluice::time;
using namespace sluice::time::test;

namespace {

// The next `n` fires after `after`, printed in the zone.
std::vector<std::string> fires(const Cron& c, const char* zone_name, Instant after, int n) {
  const Zone z = zone(zone_name);
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    auto next = c.next_fire(after, z);
    if (!next) break;
    out.push_back(format_in_zone(*next, z));
    after = *next;
  }
  return out;
}

using Strings = std::vector<std::string>;

}  // namespace

TEST_CASE("cron accepts Vixie syntax", "[time][cron]") {
  struct Case {
    const char* name;
    const char* expression;
    const char* after;  // UTC
    Strings expected;   // UTC
  };
  const Case cases[] = {
      {"every minute",
       "* * * * *",
       "2024-01-01T00:00:30Z",
       {"2024-01-01T00:01:00+00:00", "2024-01-01T00:02:00+00:00"}},
      {"strictly after", "0 * * * *", "2024-01-01T01:00:00Z", {"2024-01-01T02:00:00+00:00"}},
      {"step on star",
       "*/20 * * * *",
       "2024-01-01T00:00:00Z",
       {"2024-01-01T00:20:00+00:00", "2024-01-01T00:40:00+00:00", "2024-01-01T01:00:00+00:00"}},
      {"step on range",
       "10-40/15 9 * * *",
       "2024-01-01T00:00:00Z",
       {"2024-01-01T09:10:00+00:00", "2024-01-01T09:25:00+00:00", "2024-01-01T09:40:00+00:00",
        "2024-01-02T09:10:00+00:00"}},
      {"list of ranges and values",
       "0 1-2,5 * * *",
       "2024-01-01T00:00:00Z",
       {"2024-01-01T01:00:00+00:00", "2024-01-01T02:00:00+00:00", "2024-01-01T05:00:00+00:00",
        "2024-01-02T01:00:00+00:00"}},
      {"step larger than the range keeps the first value",
       "*/90 0 * * *",
       "2024-01-01T00:00:00Z",
       {"2024-01-02T00:00:00+00:00"}},
      {"month names in any case",
       "0 0 1 jan,Jul * ",
       "2024-01-01T00:00:00Z",
       {"2024-07-01T00:00:00+00:00", "2025-01-01T00:00:00+00:00"}},
      {"month name range with step",
       "0 0 1 JAN-dec/5 *",
       "2024-01-01T00:00:00Z",
       {"2024-06-01T00:00:00+00:00", "2024-11-01T00:00:00+00:00", "2025-01-01T00:00:00+00:00"}},
      {"day names",
       "0 12 * * MON-wed",
       "2024-01-05T00:00:00Z",  // a Friday
       {"2024-01-08T12:00:00+00:00", "2024-01-09T12:00:00+00:00", "2024-01-10T12:00:00+00:00",
        "2024-01-15T12:00:00+00:00"}},
      {"7 is Sunday",
       "0 0 * * 7",
       "2024-01-01T00:00:00Z",
       {"2024-01-07T00:00:00+00:00", "2024-01-14T00:00:00+00:00"}},
      {"range ending on 7",
       "0 0 * * 6-7",
       "2024-01-01T00:00:00Z",
       {"2024-01-06T00:00:00+00:00", "2024-01-07T00:00:00+00:00", "2024-01-13T00:00:00+00:00"}},
      {"star step on day-of-week counts from Sunday",
       "0 0 * * */3",
       "2024-01-01T00:00:00Z",
       {"2024-01-03T00:00:00+00:00", "2024-01-06T00:00:00+00:00", "2024-01-07T00:00:00+00:00"}},
      {"tabs and extra blanks",
       "  0\t0 \t 1  *  *  ",
       "2024-01-01T00:00:00Z",
       {"2024-02-01T00:00:00+00:00"}},
      {"leading zeros", "05 007 * * *", "2024-01-01T00:00:00Z", {"2024-01-01T07:05:00+00:00"}},
      {"@yearly", "@yearly", "2024-01-01T00:00:00Z", {"2025-01-01T00:00:00+00:00"}},
      {"@annually", "@annually", "2024-06-01T00:00:00Z", {"2025-01-01T00:00:00+00:00"}},
      {"@monthly", "@monthly", "2024-01-31T00:00:00Z", {"2024-02-01T00:00:00+00:00"}},
      {"@weekly is Sunday midnight",
       "@weekly",
       "2024-01-01T00:00:00Z",
       {"2024-01-07T00:00:00+00:00"}},
      {"@daily", "@daily", "2024-01-01T00:00:00Z", {"2024-01-02T00:00:00+00:00"}},
      {"@midnight", " @midnight ", "2024-01-01T12:00:00Z", {"2024-01-02T00:00:00+00:00"}},
      {"@hourly",
       "@hourly",
       "2024-01-01T00:59:59Z",
       {"2024-01-01T01:00:00+00:00", "2024-01-01T02:00:00+00:00"}},
  };
  for (const auto& c : cases) {
    INFO(c.name << ": " << c.expression);
    auto cron = Cron::parse(c.expression);
    REQUIRE(cron);
    CHECK(cron->text() == c.expression);
    CHECK(fires(*cron, "UTC", at(c.after), static_cast<int>(c.expected.size())) == c.expected);
  }
}

TEST_CASE("cron day rule: either day field unrestricted means both must match", "[time][cron]") {
  // January 2024 starts on a Monday.
  struct Case {
    const char* name;
    const char* expression;
    Strings expected;
  };
  const Case cases[] = {
      {"both restricted: the 1st or any Friday",
       "0 0 1,20 * fri",
       {"2024-01-05", "2024-01-12", "2024-01-19", "2024-01-20", "2024-01-26", "2024-02-01"}},
      {"1-7 and Monday fires every day of the first week and every Monday",
       "0 0 1-7 * mon",
       {"2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-06", "2024-01-07",
        "2024-01-08", "2024-01-15"}},
      {"star step on day-of-month is unrestricted: odd days that are Mondays",
       "0 0 */2 * mon",
       {"2024-01-15", "2024-01-29", "2024-02-05", "2024-02-19"}},
      // Restricted, `*,5` would OR with the 13th and fire daily; unrestricted, only the 13th.
      {"star list on day-of-week is unrestricted", "0 0 13 * *,5", {"2024-01-13", "2024-02-13"}},
      {"day-of-week star: only the day of month",
       "0 0 31 * *",
       {"2024-01-31", "2024-03-31", "2024-05-31"}},
      {"day-of-month star: only the weekday",
       "0 0 * * sat",
       {"2024-01-06", "2024-01-13", "2024-01-20"}},
  };
  for (const auto& c : cases) {
    INFO(c.name << ": " << c.expression);
    auto cron = Cron::parse(c.expression);
    REQUIRE(cron);
    const auto got =
        fires(*cron, "UTC", at("2024-01-01T00:00:00Z"), static_cast<int>(c.expected.size()));
    REQUIRE(got.size() == c.expected.size());
    for (std::size_t i = 0; i < got.size(); ++i) CHECK(got[i].substr(0, 10) == c.expected[i]);
  }
}

TEST_CASE("cron across DST changes, leap days, month and year ends", "[time][cron]") {
  struct Case {
    const char* name;
    const char* expression;
    const char* zone;
    const char* after;
    Strings expected;  // in the zone
  };
  const Case cases[] = {
      {"LA spring-forward: 02:30 does not exist, fires at the gap's end",
       "30 2 * * *",
       "America/Los_Angeles",
       "2024-03-09T12:00:00-08:00",
       {"2024-03-10T03:00:00-07:00", "2024-03-11T02:30:00-07:00"}},
      {"LA spring-forward: every gap minute fires once",
       "*/15 * * * *",
       "America/Los_Angeles",
       "2024-03-10T01:30:00-08:00",
       {"2024-03-10T01:45:00-08:00", "2024-03-10T03:00:00-07:00", "2024-03-10T03:15:00-07:00"}},
      {"LA fall-back: the repeated hour fires on its first pass only",
       "*/30 * * * *",
       "America/Los_Angeles",
       "2024-11-03T00:15:00-07:00",
       {"2024-11-03T00:30:00-07:00", "2024-11-03T01:00:00-07:00", "2024-11-03T01:30:00-07:00",
        "2024-11-03T02:00:00-08:00"}},
      {"LA fall-back: daily 01:30 once",
       "30 1 * * *",
       "America/Los_Angeles",
       "2024-11-02T12:00:00-07:00",
       {"2024-11-03T01:30:00-07:00", "2024-11-04T01:30:00-08:00"}},
      {"LA fall-back: starting in the second pass skips the rest of the fold",
       "*/10 * * * *",
       "America/Los_Angeles",
       "2024-11-03T01:05:00-08:00",
       {"2024-11-03T02:00:00-08:00"}},
      {"Zurich spring-forward",
       "30 2 * * *",
       "Europe/Zurich",
       "2024-03-30T12:00:00+01:00",
       {"2024-03-31T03:00:00+02:00", "2024-04-01T02:30:00+02:00"}},
      {"Zurich fall-back",
       "30 2 * * *",
       "Europe/Zurich",
       "2024-10-26T12:00:00+02:00",
       {"2024-10-27T02:30:00+02:00", "2024-10-28T02:30:00+01:00"}},
      {"Lord Howe 30-minute gap",
       "15 2 * * *",
       "Australia/Lord_Howe",
       "2024-10-05T12:00:00+10:30",
       {"2024-10-06T02:30:00+11:00", "2024-10-07T02:15:00+11:00"}},
      {"Lord Howe 30-minute fold",
       "*/20 1 * * *",
       "Australia/Lord_Howe",
       "2024-04-07T01:30:00+11:00",
       {"2024-04-07T01:40:00+11:00", "2024-04-08T01:00:00+10:30"}},
      {"Kathmandu midnight",
       "0 0 * * *",
       "Asia/Kathmandu",
       "2024-06-01T00:00:00+05:45",
       {"2024-06-02T00:00:00+05:45"}},
      {"Feb 29 only in leap years",
       "0 0 29 2 *",
       "UTC",
       "2024-03-01T00:00:00Z",
       {"2028-02-29T00:00:00+00:00", "2032-02-29T00:00:00+00:00"}},
      {"2100 is no leap year",
       "0 0 29 2 *",
       "UTC",
       "2096-03-01T00:00:00Z",
       {"2104-02-29T00:00:00+00:00"}},
      {"31st skips short months",
       "0 0 31 * *",
       "Europe/Zurich",
       "2024-01-31T00:00:01+01:00",
       {"2024-03-31T00:00:00+01:00", "2024-05-31T00:00:00+02:00"}},
      {"year end",
       "59 23 31 12 *",
       "Asia/Kathmandu",
       "2024-06-01T00:00:00Z",
       {"2024-12-31T23:59:00+05:45", "2025-12-31T23:59:00+05:45"}},
      {"last minute of a month into the next year",
       "* * * * *",
       "UTC",
       "2024-12-31T23:58:00Z",
       {"2024-12-31T23:59:00+00:00", "2025-01-01T00:00:00+00:00"}},
  };
  for (const auto& c : cases) {
    INFO(c.name << ": " << c.expression);
    auto cron = Cron::parse(c.expression);
    REQUIRE(cron);
    CHECK(fires(*cron, c.zone, at(c.after), static_cast<int>(c.expected.size())) == c.expected);
  }
}

TEST_CASE("prev_fire mirrors next_fire across DST changes", "[time][cron]") {
  struct Case {
    const char* name;
    const char* expression;
    const char* zone;
    const char* before;
    const char* expected;
  };
  const Case cases[] = {
      {"strictly before", "0 * * * *", "UTC", "2024-01-01T02:00:00Z", "2024-01-01T01:00:00+00:00"},
      {"gap minutes fire at the gap's end", "30 2 * * *", "America/Los_Angeles",
       "2024-03-10T03:00:01-07:00", "2024-03-10T03:00:00-07:00"},
      {"not before the gap's end itself", "30 2 * * *", "America/Los_Angeles",
       "2024-03-10T03:00:00-07:00", "2024-03-09T02:30:00-08:00"},
      {"from the second pass of a fold, the fold's first pass", "*/10 * * * *",
       "America/Los_Angeles", "2024-11-03T01:05:00-08:00", "2024-11-03T01:50:00-07:00"},
      {"inside the first pass of a fold", "*/10 * * * *", "America/Los_Angeles",
       "2024-11-03T01:05:00-07:00", "2024-11-03T01:00:00-07:00"},
      {"after the fold", "*/10 * * * *", "America/Los_Angeles", "2024-11-03T02:00:00-08:00",
       "2024-11-03T01:50:00-07:00"},
      {"leap day", "0 0 29 2 *", "UTC", "2028-02-28T00:00:00Z", "2024-02-29T00:00:00+00:00"},
      {"year end", "0 0 1 1 *", "Europe/Zurich", "2024-06-01T00:00:00Z",
       "2024-01-01T00:00:00+01:00"},
  };
  for (const auto& c : cases) {
    INFO(c.name << ": " << c.expression);
    auto cron = Cron::parse(c.expression);
    REQUIRE(cron);
    const Zone z = zone(c.zone);
    auto prev = cron->prev_fire(at(c.before), z);
    REQUIRE(prev);
    CHECK(format_in_zone(*prev, z) == c.expected);
  }
}

TEST_CASE("cron errors name the field and the value", "[time][cron]") {
  struct Case {
    const char* expression;
    const char* message;
  };
  const Case cases[] = {
      {"61 * * * *", "minute field: 61 is out of range 0-59"},
      {"* 24 * * *", "hour field: 24 is out of range 0-23"},
      {"* * 0 * *", "day-of-month field: 0 is out of range 1-31"},
      {"* * * 13 *", "month field: 13 is out of range 1-12"},
      {"* * * * 8", "day-of-week field: 8 is out of range 0-7"},
      {"0-60 * * * *", "minute field: 60 is out of range 0-59"},
      {"99999999999 * * * *", "minute field: 99999999999 is out of range 0-59"},
      {"5/10 * * * *", "minute field: '5/10' steps from a single value; write 5-59/10 or */10"},
      {"5-3 * * * *", "minute field: range 5-3 is reversed"},
      {"* * * * mon-sun",
       "range mon-sun is reversed (the start must not exceed the end; Sunday "
       "at the end of a range is 7)"},
      {"*/0 * * * *", "minute field: step 0 in '*/0' must be at least 1"},
      {"*/ * * * *", "minute field: step after '/' must be a number in '*/'"},
      {"*/mon * * * *", "step after '/' must be a number"},
      {"*x * * * *", "minute field: unexpected 'x' in '*x'"},
      {"*/5/2 * * * *", "minute field: unexpected '/' in '*/5/2'"},
      {"1,,2 * * * *", "minute field: empty list element in '1,,2'"},
      {"1, * * * *", "minute field: empty list element in '1,'"},
      {"1- * * * *", "minute field: missing value at the end of '1-'"},
      {"abc * * * *", "minute field: 'abc' is not a number (0-59)"},
      {"* * * january *", "month field: unknown name 'january' (use JAN-DEC or 1-12)"},
      {"* * * * funday", "day-of-week field: unknown name 'funday' (use SUN-SAT or 0-7)"},
      {"* * * * *\n", "unexpected '\\x0a'"},
      {"* * * *", "expected 5 fields (minute hour day-of-month month day-of-week), got 4"},
      {"0 * * * * *", "got 6 in '0 * * * * *' (sluice cron has no seconds, year or command field)"},
      {"", "empty cron expression"},
      {"   ", "empty cron expression"},
      {"@reboot", "@reboot is not supported"},
      {"@dialy", "unknown macro '@dialy' (did you mean '@daily'?)"},
      {"@DAILY", "unknown macro '@DAILY' (did you mean '@daily'?)"},
      {"@daily 5", "unexpected '5' after @daily"},
      {"0 0 30 2 *", "expression can never fire: day 30 does not exist in February"},
      {"0 0 30,31 2 *", "days 30 and 31 do not exist in February"},
      {"0 0 31 4,6,9,11 *", "day 31 does not exist in April, June, September or November"},
      {"0 0 31 2 */2", "day 31 does not exist in February"},
  };
  for (const auto& c : cases) {
    INFO(c.expression);
    auto cron = Cron::parse(c.expression);
    REQUIRE_FALSE(cron);
    CHECK_THAT(cron.error(), Catch::Contains(c.message));
  }
  auto many = Cron::parse("61 25 * * *");
  REQUIRE_FALSE(many);
  CHECK_THAT(many.error(),
             Catch::Contains("minute field: 61") && Catch::Contains("hour field: 25"));
}

TEST_CASE("expressions that look impossible but fire are accepted", "[time][cron]") {
  for (auto expression : {"0 0 29 2 *", "0 0 30 2 mon", "0 0 30,1 2 *", "0 0 31 1-2 *"}) {
    INFO(expression);
    auto cron = Cron::parse(expression);
    REQUIRE(cron);
    CHECK(cron->next_fire(at("2024-01-01T00:00:00Z"), utc_zone()));
  }
}

TEST_CASE("matches tests the wall-clock minute", "[time][cron]") {
  const auto cron = Cron::parse("30 2 29 2 *").value();
  CHECK(cron.matches(local(2024, 2, 29, 2, 30)));
  CHECK_FALSE(cron.matches(local(2024, 2, 29, 2, 31)));
  CHECK_FALSE(cron.matches(local(2024, 3, 1, 2, 30)));
}
