// `run_if.calendar`: the entries an operator writes (dates that exist, weekdays by name or
// abbreviation, in any case) and the errors for the rest; which windows a calendar skips,
// judged on the local date of the window's start, around DST changes in two zones.
#include <catch2/catch.hpp>

#include "framework/time/calendar.hpp"
#include "tests/unit/time/helpers.hpp"

using namespace sluice;
using namespace sluice::time;
using time::test::at;
using time::test::zone;

TEST_CASE("calendar entries: dates that exist and weekdays, or an error saying why not",
          "[time][calendar]") {
  struct Case {
    const char* entry;
    const char* error;  // empty: accepted
  };
  for (auto c : {
           Case{"2024-12-25", ""},
           Case{"2024-02-29", ""},
           Case{"saturday", ""},
           Case{"Sat", ""},
           Case{"SUNDAY", ""},
           Case{"wed", ""},
           Case{"2024-02-30", "2024-02-30 is not a date: 2024-02 has 29 days"},
           Case{"2023-02-29", "2023-02-29 is not a date: 2023-02 has 28 days"},
           Case{"2024-04-31", "2024-04-31 is not a date: 2024-04 has 30 days"},
           Case{"2024-13-01", "2024-13-01 is not a date: there is no month 13"},
           Case{"2024-00-10", "2024-00-10 is not a date: there is no month 0"},
           Case{"2024-01-00", "2024-01-00 is not a date: 2024-01 has 31 days"},
           Case{"2024-1-5", "'2024-1-5' is neither a date (YYYY-MM-DD) nor a weekday"},
           Case{"25.12.2024", "'25.12.2024' is neither a date (YYYY-MM-DD) nor a weekday"},
           Case{"satruday", "unknown weekday 'satruday' (did you mean 'saturday'?)"},
           Case{"Thurs", ""},
           Case{"thursdays", "unknown weekday 'thursdays' (did you mean 'thursday'?)"},
           Case{"su",
                "unknown weekday 'su' (a date YYYY-MM-DD, or one of: monday, tuesday, "
                "wednesday, thursday, friday, saturday, sunday, or at least their first three "
                "letters)"},
           Case{"christmas",
                "unknown weekday 'christmas' (a date YYYY-MM-DD, or one of: monday, tuesday, "
                "wednesday, thursday, friday, saturday, sunday, or at least their first three "
                "letters)"},
       }) {
    INFO(c.entry);
    SkipCalendar calendar;
    const auto added = add_calendar_entry(calendar, c.entry);
    if (std::string_view(c.error).empty()) {
      CHECK(added);
      CHECK_FALSE(calendar.empty());
    } else {
      REQUIRE_FALSE(added);
      CHECK(added.error() == c.error);
      CHECK(calendar.empty());
    }
  }
}

TEST_CASE("a calendar skips the window whose start falls on a listed local day",
          "[time][calendar]") {
  struct Case {
    const char* name;
    const char* zone;
    const char* start;  // the window's start
    std::vector<const char*> entries;
    const char* expected;  // empty: not skipped
  };
  for (auto c : {
           Case{"a listed date",
                "UTC",
                "2024-12-25T00:00:00Z",
                {"2024-12-25"},
                "2024-12-25 is listed"},
           Case{"the last hour of a listed date",
                "UTC",
                "2024-12-25T23:00:00Z",
                {"2024-12-25"},
                "2024-12-25 is listed"},
           Case{"the day after", "UTC", "2024-12-26T00:00:00Z", {"2024-12-25"}, ""},
           Case{"a listed weekday",
                "UTC",
                "2024-03-30T12:00:00Z",
                {"sat", "2024-12-25"},
                "Saturday 2024-03-30 is listed (saturday)"},
           Case{"an empty calendar", "UTC", "2024-03-30T12:00:00Z", {}, ""},
           // Zurich springs forward on Sunday 2024-03-31 (02:00 -> 03:00): local midnight is
           // 23:00 UTC on Saturday, and 03:00 local, just after the gap, is 01:00 UTC.
           Case{"Zurich, spring DST day, local midnight",
                "Europe/Zurich",
                "2024-03-30T23:00:00Z",
                {"2024-03-31"},
                "2024-03-31 is listed"},
           Case{"UTC, the same instant", "UTC", "2024-03-30T23:00:00Z", {"2024-03-31"}, ""},
           Case{"Zurich, spring DST day, after the gap",
                "Europe/Zurich",
                "2024-03-31T01:00:00Z",
                {"sunday"},
                "Sunday 2024-03-31 is listed (sunday)"},
           Case{"Zurich, the day before the DST day",
                "Europe/Zurich",
                "2024-03-30T22:00:00Z",
                {"2024-03-31"},
                ""},
           // Zurich falls back on Sunday 2024-10-27: local midnight is 22:00 UTC on Saturday.
           Case{"Zurich, autumn DST day",
                "Europe/Zurich",
                "2024-10-26T22:00:00Z",
                {"sunday"},
                "Sunday 2024-10-27 is listed (sunday)"},
           Case{"Zurich, autumn DST day, the repeated hour",
                "Europe/Zurich",
                "2024-10-27T01:00:00Z",
                {"2024-10-27"},
                "2024-10-27 is listed"},
           // New York springs forward on Sunday 2024-03-10: 23:30 local that evening (EDT) is
           // Monday 03:30 UTC.
           Case{"New York, spring DST day, late evening",
                "America/New_York",
                "2024-03-11T03:30:00Z",
                {"sunday"},
                "Sunday 2024-03-10 is listed (sunday)"},
           Case{"UTC, the same instant is Monday", "UTC", "2024-03-11T03:30:00Z", {"sunday"}, ""},
           Case{"New York, spring DST day, local midnight",
                "America/New_York",
                "2024-03-10T05:00:00Z",
                {"2024-03-10"},
                "2024-03-10 is listed"},
           // New York falls back on Sunday 2024-11-03: 23:30 EST is Monday 04:30 UTC.
           Case{"New York, autumn DST day, late evening",
                "America/New_York",
                "2024-11-04T04:30:00Z",
                {"2024-11-03"},
                "2024-11-03 is listed"},
           Case{"New York, the next local day",
                "America/New_York",
                "2024-11-04T05:00:00Z",
                {"2024-11-03", "sun"},
                ""},
       }) {
    INFO(c.name);
    SkipCalendar calendar;
    for (const char* e : c.entries) REQUIRE(add_calendar_entry(calendar, e));
    const auto skipped = skipped_day(calendar, at(c.start), zone(c.zone));
    if (std::string_view(c.expected).empty()) {
      CHECK_FALSE(skipped);
    } else {
      REQUIRE(skipped);
      CHECK(*skipped == c.expected);
    }
  }
}

TEST_CASE("a calendar without a zone judges on UTC dates", "[time][calendar]") {
  SkipCalendar calendar;
  REQUIRE(add_calendar_entry(calendar, "2024-03-31"));
  CHECK(skipped_day(calendar, at("2024-03-31T00:00:00Z"), nullptr));
  CHECK_FALSE(skipped_day(calendar, at("2024-03-30T23:00:00Z"), nullptr));
}
