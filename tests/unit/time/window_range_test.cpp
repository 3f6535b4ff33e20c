// WindowRange: the windows of a range made one at a time, counted without being made, and
// resumable in batches; a range to 9999-12-31 costs what its first windows cost.
#include <catch2/catch.hpp>

#include <chrono>
#include <random>
#include <string_view>

#include "framework/time/window_generator.hpp"
#include "tests/unit/time/helpers.hpp"

using namespace sluice;
using namespace sluice::time;
using namespace sluice::time::test;

namespace {

Instant local_midnight(const WindowSpec& s, int y, unsigned m, unsigned d) {
  return parse_instant(date::format("%Y-%m-%d", date::year{y} / m / d), s.zone).value();
}

const Instant kFarEnd = utc(9999, 12, 31);

}  // namespace

TEST_CASE("a range to 9999-12-31 gives its first windows at once and stops when asked",
          "[time][windows][range]") {
  for (const char* granularity : {"1s", "1h", "1mo"}) {
    for (const char* zone_name : {"UTC", "America/Los_Angeles", "Australia/Lord_Howe"}) {
      INFO(granularity << " " << zone_name);
      const auto s = spec_of(granularity, zone_name, utc(2000, 1, 1));
      const auto started = std::chrono::steady_clock::now();
      WindowRange range(s, utc(2026, 12, 5), kFarEnd);
      std::optional<Window> previous;
      for (int i = 0; i < 1000; ++i) {
        const auto w = range.next();
        REQUIRE(w);
        CHECK(w->start < w->end);
        if (previous) CHECK(previous->end == w->start);
        previous = w;
      }
      CHECK(range.resume_point() == previous->end);
      // The rest is counted, not made: far more windows than memory could hold for 1s.
      const auto rest = range.remaining();
      CHECK(rest > 0);
      CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(20));
      if (std::string_view(granularity) == "1s" && std::string_view(zone_name) == "UTC") {
        const auto seconds = (kFarEnd - utc(2026, 12, 5)).count();
        CHECK(rest == seconds - 1000);
      }
    }
  }
}

TEST_CASE("remaining() counts what next() gives: DST zones, granularities, clipped ranges",
          "[time][windows][range]") {
  const char* const zones[] = {"America/Los_Angeles", "Europe/Zurich",     "Australia/Lord_Howe",
                               "Asia/Kathmandu",      "America/Havana",    "America/Santiago",
                               "Pacific/Chatham",     "Pacific/Apia",      "Antarctica/Troll",
                               "America/St_Johns",    "Africa/Casablanca", "UTC"};
  const char* const granularities[] = {"1m", "15m", "30m", "1h", "2h", "1d", "1w", "1mo"};
  std::mt19937 random(7);
  for (const char* zone_name : zones) {
    for (const char* granularity : granularities) {
      INFO(zone_name << " " << granularity);
      auto s = spec_of(granularity, zone_name, utc(2009, 3, 1));
      const bool fine = s.granularity.unit() == Granularity::Unit::sub_day &&
                        s.granularity.step() < Seconds(3600);
      for (int round = 0; round < 4; ++round) {
        // Ranges of up to ~100 days (fine grains) or ~6 years, some clipped by an end.
        const auto span = fine ? 100 * 86400 : 6 * 366 * 86400;
        const Instant from = utc(2010, 1, 1) + Seconds(random() % (12 * 366 * 86400));
        const Instant to = from + Seconds(random() % span);
        s.end = round % 2 ? std::optional<Instant>(from + Seconds(random() % span)) : std::nullopt;
        const auto windows = all_windows(s, from, to);
        WindowRange range(s, from, to);
        CHECK(range.remaining() == static_cast<std::int64_t>(windows.size()));
        // Part-way through, and resumed from the resume point in a fresh range.
        const std::size_t taken = windows.size() / 3;
        for (std::size_t i = 0; i < taken; ++i) REQUIRE(range.next() == windows[i]);
        CHECK(range.remaining() == static_cast<std::int64_t>(windows.size() - taken));
        WindowRange resumed(s, range.resume_point(), to);
        CHECK(resumed.remaining() == static_cast<std::int64_t>(windows.size() - taken));
        if (taken < windows.size()) CHECK(resumed.next() == windows[taken]);
      }
    }
  }
}

TEST_CASE("counts of known ranges, DST gaps and folds included", "[time][windows][range]") {
  struct Case {
    const char* name;
    const char* granularity;
    const char* zone;
    int from_year;
    int to_year;
    std::int64_t windows;
  };
  const Case cases[] = {
      // 366 * 24 local hours; the spring gap's 02:00 falls on 03:00 (one window fewer),
      // the fall fold's 01:00 is taken once (its window lasts two hours).
      {"hours of 2024 in Los Angeles", "1h", "America/Los_Angeles", 2024, 2025, 8783},
      {"hours of 2024 in UTC", "1h", "UTC", 2024, 2025, 8784},
      // Lord Howe moves by 30 minutes: the 02:00 and 02:15 boundaries fall on 02:30.
      {"quarter hours of 2024 in Lord Howe", "15m", "Australia/Lord_Howe", 2024, 2025,
       366 * 96 - 2},
      // Havana's spring midnight does not exist: that day starts at 01:00, no day is lost.
      {"days of 2024 in Havana", "1d", "America/Havana", 2024, 2025, 366},
      // Samoa skipped 2011-12-30 entirely: that day's window is empty and dropped.
      {"days of 2011 in Apia", "1d", "Pacific/Apia", 2011, 2012, 364},
      // Up to 10000-01-01T00:00Z, which is 01:00 in Zurich: January 10000 starts before it.
      {"months to the end of 9999", "1mo", "Europe/Zurich", 2026, 10000, (10000 - 2026) * 12 + 1},
      // 2024-01-01 is a Monday; the last window starts 9999-12-27 and ends in year 10000.
      {"weeks to the end of 9999", "1w", "UTC", 2024, 10000, 416'168},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const auto s = spec_of(c.granularity, c.zone, utc(1900, 1, 1));
    const Instant from = local_midnight(s, c.from_year, 1, 1);
    const Instant to = c.to_year == 10000 ? utc(9999, 12, 31) + std::chrono::hours(24)
                                          : local_midnight(s, c.to_year, 1, 1);
    WindowRange range(s, from, to);
    CHECK(range.remaining() == c.windows);
    if (c.windows < 20'000) CHECK(all_windows(s, from, to).size() == std::size_t(c.windows));
  }
}
