#include <catch2/catch.hpp>

#include "framework/time/window_generator.hpp"
#include "tests/unit/time/helpers.hpp"

using namespace sluice;
using namespace sluice::time;
using namespace sluice::time::test;

namespace {

using Strings = std::vector<std::string>;

// "start/end" in the spec's zone, one string per window.
Strings show(const std::vector<Window>& windows, Zone z) {
  Strings out;
  for (const auto& w : windows)
    out.push_back(format_in_zone(w.start, z) + "/" + format_in_zone(w.end, z));
  return out;
}

}  // namespace

TEST_CASE("windows follow local wall-clock boundaries across DST changes", "[time][windows]") {
  struct Case {
    const char* name;
    const char* granularity;
    const char* zone;
    const char* from;
    const char* to;
    Strings expected;
  };
  const Case cases[] = {
      {"LA spring-forward, 1h: the 02:00 boundary moves to 03:00",
       "1h",
       "America/Los_Angeles",
       "2024-03-10T00:00:00-08:00",
       "2024-03-10T04:00:00-07:00",
       {"2024-03-10T00:00:00-08:00/2024-03-10T01:00:00-08:00",
        "2024-03-10T01:00:00-08:00/2024-03-10T03:00:00-07:00",
        "2024-03-10T03:00:00-07:00/2024-03-10T04:00:00-07:00"}},
      {"LA fall-back, 1h: the repeated hour joins its first pass",
       "1h",
       "America/Los_Angeles",
       "2024-11-03T00:00:00-07:00",
       "2024-11-03T03:00:00-08:00",
       {"2024-11-03T00:00:00-07:00/2024-11-03T01:00:00-07:00",
        "2024-11-03T01:00:00-07:00/2024-11-03T02:00:00-08:00",
        "2024-11-03T02:00:00-08:00/2024-11-03T03:00:00-08:00"}},
      {"LA fall-back, 30m",
       "30m",
       "America/Los_Angeles",
       "2024-11-03T01:00:00-07:00",
       "2024-11-03T02:30:00-08:00",
       {"2024-11-03T01:00:00-07:00/2024-11-03T01:30:00-07:00",
        "2024-11-03T01:30:00-07:00/2024-11-03T02:00:00-08:00",
        "2024-11-03T02:00:00-08:00/2024-11-03T02:30:00-08:00"}},
      {"LA days are 23h and 25h long",
       "1d",
       "America/Los_Angeles",
       "2024-03-10",
       "2024-03-11",
       {"2024-03-10T00:00:00-08:00/2024-03-11T00:00:00-07:00"}},
      {"LA fall-back day",
       "1d",
       "America/Los_Angeles",
       "2024-11-03T00:00:00-07:00",
       "2024-11-03T01:00:00-07:00",
       {"2024-11-03T00:00:00-07:00/2024-11-04T00:00:00-08:00"}},
      {"Zurich spring-forward, 2h",
       "2h",
       "Europe/Zurich",
       "2024-03-31T00:00:00+01:00",
       "2024-03-31T05:00:00+02:00",
       {"2024-03-31T00:00:00+01:00/2024-03-31T03:00:00+02:00",
        "2024-03-31T03:00:00+02:00/2024-03-31T04:00:00+02:00",
        "2024-03-31T04:00:00+02:00/2024-03-31T06:00:00+02:00"}},
      {"Zurich fall-back, 1h",
       "1h",
       "Europe/Zurich",
       "2024-10-27T02:00:00+02:00",
       "2024-10-27T03:30:00+01:00",
       {"2024-10-27T02:00:00+02:00/2024-10-27T03:00:00+01:00",
        "2024-10-27T03:00:00+01:00/2024-10-27T04:00:00+01:00"}},
      {"Lord Howe 30-minute gap, 1h",
       "1h",
       "Australia/Lord_Howe",
       "2024-10-06T01:00:00+10:30",
       "2024-10-06T03:30:00+11:00",
       {"2024-10-06T01:00:00+10:30/2024-10-06T02:30:00+11:00",
        "2024-10-06T02:30:00+11:00/2024-10-06T03:00:00+11:00",
        "2024-10-06T03:00:00+11:00/2024-10-06T04:00:00+11:00"}},
      {"Lord Howe 30-minute gap, 30m: the empty window is dropped",
       "30m",
       "Australia/Lord_Howe",
       "2024-10-06T01:30:00+10:30",
       "2024-10-06T03:00:00+11:00",
       {"2024-10-06T01:30:00+10:30/2024-10-06T02:30:00+11:00",
        "2024-10-06T02:30:00+11:00/2024-10-06T03:00:00+11:00"}},
      {"Lord Howe 30-minute fold, 1h",
       "1h",
       "Australia/Lord_Howe",
       "2024-04-07T01:00:00+11:00",
       "2024-04-07T02:30:00+10:30",
       {"2024-04-07T01:00:00+11:00/2024-04-07T02:00:00+10:30",
        "2024-04-07T02:00:00+10:30/2024-04-07T03:00:00+10:30"}},
      {"Kathmandu days start at local midnight",
       "1d",
       "Asia/Kathmandu",
       "2024-06-01",
       "2024-06-03",
       {"2024-06-01T00:00:00+05:45/2024-06-02T00:00:00+05:45",
        "2024-06-02T00:00:00+05:45/2024-06-03T00:00:00+05:45"}},
      {"Havana: a day whose midnight does not exist starts at 01:00",
       "1d",
       "America/Havana",
       "2024-03-09",
       "2024-03-11",
       {"2024-03-09T00:00:00-05:00/2024-03-10T01:00:00-04:00",
        "2024-03-10T01:00:00-04:00/2024-03-11T00:00:00-04:00"}},
      {"weeks start on Monday",
       "1w",
       "Europe/Zurich",
       "2024-03-20",
       "2024-04-02",
       {"2024-03-25T00:00:00+01:00/2024-04-01T00:00:00+02:00",
        "2024-04-01T00:00:00+02:00/2024-04-08T00:00:00+02:00"}},
      {"months through a leap February and the year end",
       "1mo",
       "UTC",
       "2023-12-01",
       "2024-03-01",
       {"2023-12-01T00:00:00+00:00/2024-01-01T00:00:00+00:00",
        "2024-01-01T00:00:00+00:00/2024-02-01T00:00:00+00:00",
        "2024-02-01T00:00:00+00:00/2024-03-01T00:00:00+00:00"}},
      {"15m windows over a leap day midnight",
       "15m",
       "UTC",
       "2024-02-29T23:45:00Z",
       "2024-03-01T00:15:00Z",
       {"2024-02-29T23:45:00+00:00/2024-03-01T00:00:00+00:00",
        "2024-03-01T00:00:00+00:00/2024-03-01T00:15:00+00:00"}},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const WindowSpec s = spec_of(c.granularity, c.zone, utc(2000, 1, 1));
    CHECK(show(all_windows(s, parse_instant(c.from, s.zone).value(),
                           parse_instant(c.to, s.zone).value()),
               s.zone) == c.expected);
  }
}

TEST_CASE("floor_boundary and next_boundary inside a fold's second pass", "[time][windows]") {
  const WindowSpec s = spec_of("30m", "America/Los_Angeles", utc(2000, 1, 1));
  const Instant t = at("2024-11-03T01:10:00-08:00");
  CHECK(format_in_zone(floor_boundary(s, t), s.zone) == "2024-11-03T01:30:00-07:00");
  CHECK(format_in_zone(next_boundary(s, t), s.zone) == "2024-11-03T02:00:00-08:00");
  const Instant boundary = at("2024-11-03T02:00:00-08:00");
  CHECK(floor_boundary(s, boundary) == boundary);
  CHECK(format_in_zone(next_boundary(s, boundary), s.zone) == "2024-11-03T02:30:00-08:00");
}

TEST_CASE("due_windows: catchup, lag, batch, start and end", "[time][windows]") {
  // Hourly windows in UTC from start; "-" for no end, no lag, nothing generated yet.
  struct Case {
    const char* name;
    const char* start;
    const char* end;
    bool catchup;
    const char* lag;
    const char* last_end;
    const char* now;
    std::size_t batch;
    Strings expected;  // hours of the due windows' starts, oldest first
  };
  // clang-format off
  const Case cases[] = {
      {"every due window, oldest first", "2024-01-01T00:00:00Z", "-", true, "-", "-",
       "2024-01-01T03:30:00Z", 100, {"01T00", "01T01", "01T02"}},
      {"resumes after the last generated window", "2024-01-01T00:00:00Z", "-", true, "-",
       "2024-01-01T02:00:00Z", "2024-01-01T03:30:00Z", 100, {"01T02"}},
      {"a window is due when end + lag <= now", "2024-01-01T00:00:00Z", "-", true, "30m", "-",
       "2024-01-01T03:29:59Z", 100, {"01T00", "01T01"}},
      {"the lag boundary itself is due", "2024-01-01T00:00:00Z", "-", true, "30m",
       "2024-01-01T02:00:00Z", "2024-01-01T03:30:00Z", 100, {"01T02"}},
      {"bounded batch", "2024-01-01T00:00:00Z", "-", true, "-", "-", "2024-01-02T00:00:00Z", 2,
       {"01T00", "01T01"}},
      {"catchup off: only the newest due window", "2024-01-01T00:00:00Z", "-", false, "-",
       "2024-01-01T01:00:00Z", "2024-01-01T03:30:00Z", 100, {"01T02"}},
      {"catchup off with a lag", "2024-01-01T00:00:00Z", "-", false, "45m", "-",
       "2024-01-01T03:30:00Z", 100, {"01T01"}},
      {"catchup off: nothing new", "2024-01-01T00:00:00Z", "-", false, "-",
       "2024-01-01T03:00:00Z", "2024-01-01T03:59:59Z", 100, {}},
      {"an unaligned start waits for the next boundary", "2024-01-01T00:10:00Z", "-", true, "-",
       "-", "2024-01-01T03:00:00Z", 100, {"01T01", "01T02"}},
      {"no window ends after end", "2024-01-01T00:00:00Z", "2024-01-01T02:30:00Z", true, "-",
       "-", "2024-01-02T00:00:00Z", 100, {"01T00", "01T01"}},
      {"catchup off respects end", "2024-01-01T00:00:00Z", "2024-01-01T02:30:00Z", false, "-",
       "-", "2024-01-02T00:00:00Z", 100, {"01T01"}},
      {"not yet due at all", "2024-01-01T00:00:00Z", "-", true, "-", "-",
       "2024-01-01T00:59:59Z", 100, {}},
      {"a lag in months: end + 1mo <= now", "2024-02-28T22:00:00Z", "-", true, "1mo", "-",
       "2024-03-29T00:30:00Z", 100, {"28T22", "28T23"}},
      {"a lag in months, catchup off", "2024-02-01T00:00:00Z", "-", false, "1mo", "-",
       "2024-03-29T00:30:00Z", 100, {"28T23"}},
      {"max_batch 0 produces nothing", "2024-01-01T00:00:00Z", "-", true, "-", "-",
       "2024-01-02T00:00:00Z", 0, {}},
  };
  // clang-format on
  auto given = [](const char* text) { return std::string_view(text) != "-"; };
  for (const auto& c : cases) {
    INFO(c.name);
    WindowSpec s = spec_of("1h", "UTC", at(c.start), given(c.lag) ? c.lag : nullptr);
    if (given(c.end)) s.end = at(c.end);
    s.catchup = c.catchup;
    std::optional<Instant> last;
    if (given(c.last_end)) last = at(c.last_end);
    const auto due = due_windows(s, last, at(c.now), c.batch);
    Strings starts;
    for (const auto& w : due) {
      CHECK(w.length() == std::chrono::hours(1));
      CHECK(is_due(s, w, at(c.now)));
      starts.push_back(format_utc(w.start).substr(8, 5));
    }
    CHECK(starts == c.expected);
  }
}

TEST_CASE("target_day is the local date of the window's start", "[time][windows]") {
  const Zone zurich = zone("Europe/Zurich");
  CHECK(target_day(Window{utc(2024, 3, 9, 23), utc(2024, 3, 10)}, zurich) ==
        date::year{2024} / 3 / 10);
  CHECK(target_day(Window{utc(2024, 3, 9, 22), utc(2024, 3, 9, 23)}, zurich) ==
        date::year{2024} / 3 / 9);
  CHECK(target_day(Window{utc(2024, 3, 9, 23), utc(2024, 3, 10)}, utc_zone()) ==
        date::year{2024} / 3 / 9);
}
