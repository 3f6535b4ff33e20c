// Ten years of windows in 20 zones and 8 granularities tile time, match boundaries
// computed directly with date/tz.h, and equal what the scheduler would have generated.
#include <catch2/catch.hpp>

#include "framework/time/window_generator.hpp"
#include "tests/unit/time/helpers.hpp"

using namespace sluice;
using namespace sluice::time;
using namespace sluice::time::test;

namespace {

const char* const kZones[] = {
    "America/Los_Angeles", "Europe/Zurich",
    "Australia/Lord_Howe", "Asia/Kathmandu",
    "America/Havana",      "America/Santiago",
    "Pacific/Chatham",     "Australia/Sydney",
    "Asia/Tehran",         "UTC",
    "America/New_York",    "Europe/London",
    "America/Sao_Paulo",   "Africa/Casablanca",
    "Europe/Dublin",       "Antarctica/Troll",
    "America/St_Johns",    "Pacific/Apia",
    "Asia/Gaza",           "America/Nuuk",
};

const char* const kGranularities[] = {"15m", "30m", "1h", "2h", "6h", "1d", "1w", "1mo"};

// The boundary of a local time straight from date/tz.h, without the generator's caching.
Instant naive_resolve(Zone z, date::local_seconds t) {
  const date::local_info info = z->get_info(t);
  if (info.result == date::local_info::nonexistent) return info.second.begin;
  return Instant{t.time_since_epoch() - info.first.offset};
}

date::local_seconds naive_next(const Granularity& g, date::local_seconds b) {
  using Unit = Granularity::Unit;
  if (g.unit() == Unit::sub_day) return b + g.step();
  if (g.unit() == Unit::day) return b + date::days{1};
  if (g.unit() == Unit::week) return b + date::days{7};
  const date::year_month_day ymd{date::floor<date::days>(b)};
  return date::local_seconds{date::local_days{(ymd.year() / ymd.month() + date::months{1}) / 1}};
}

}  // namespace

TEST_CASE("ten years of windows tile time in every zone and granularity",
          "[time][windows][property]") {
  for (const char* zone_name : kZones) {
    for (const char* granularity : kGranularities) {
      INFO(zone_name << " " << granularity);
      WindowSpec s;
      s.zone = zone(zone_name);
      s.granularity = Granularity::parse(granularity).value();
      // A local boundary of every granularity: 2020-01-06 is a Monday.
      const auto first_local = date::local_seconds{date::local_days{
          date::year{2020} / 1 / (s.granularity.unit() == Granularity::Unit::week ? 6 : 1)}};
      s.start = naive_resolve(s.zone, first_local);
      s.end = utc(2030, 1, 1);
      const auto windows = all_windows(s, s.start, *s.end);
      REQUIRE(!windows.empty());
      CHECK(windows.front().start == s.start);
      CHECK(windows.back().end <= *s.end);
      CHECK(next_boundary(s, windows.back().end) > *s.end);

      // Every window non-empty, each ending where the next starts.
      std::size_t broken = 0;
      for (std::size_t i = 0; i < windows.size(); ++i) {
        if (windows[i].start >= windows[i].end) ++broken;
        if (i + 1 < windows.size() && windows[i].end != windows[i + 1].start) ++broken;
      }
      CHECK(broken == 0);

      // The same boundaries computed from date/tz.h directly, empty windows dropped.
      std::size_t mismatched = 0, i = 0;
      Instant previous = s.start;
      for (auto b = naive_next(s.granularity, first_local); i < windows.size();
           b = naive_next(s.granularity, b)) {
        const Instant t = naive_resolve(s.zone, b);
        if (t == previous) continue;
        if (windows[i].start != previous || windows[i].end != t) ++mismatched;
        previous = t;
        ++i;
      }
      CHECK(mismatched == 0);

      // floor_boundary inside each window finds its start (sampled to keep the test quick).
      for (std::size_t k = 0; k < windows.size(); k += 97) {
        const Window& w = windows[k];
        CHECK(floor_boundary(s, w.start + (w.end - w.start) / 2) == w.start);
        CHECK(next_boundary(s, w.start) == w.end);
      }
    }
  }
}

TEST_CASE("a backfill range enumerates exactly what the scheduler generates",
          "[time][windows][property]") {
  for (const char* zone_name : {"America/Los_Angeles", "Australia/Lord_Howe", "Asia/Kathmandu"}) {
    for (const char* granularity : {"15m", "1h", "1d", "1mo"}) {
      INFO(zone_name << " " << granularity);
      WindowSpec s;
      s.zone = zone(zone_name);
      s.granularity = Granularity::parse(granularity).value();
      s.start = utc(2023, 12, 31, 7, 5);
      s.end = utc(2025, 1, 3);
      s.x_time_back = parse_duration("2h").value();
      // The scheduler: small batches, each resuming after the last generated window.
      std::vector<Window> scheduled;
      std::optional<Instant> last;
      for (;;) {
        const auto batch = due_windows(s, last, utc(2026, 1, 1), 500);
        if (batch.empty()) break;
        scheduled.insert(scheduled.end(), batch.begin(), batch.end());
        last = batch.back().end;
      }
      CHECK(all_windows(s, utc(2000, 1, 1), utc(2030, 1, 1)) == scheduled);
      // A sub-range holds the scheduled windows whose start lies in it.
      const Instant from = utc(2024, 3, 10, 3, 17), to = utc(2024, 11, 3, 9, 30);
      std::vector<Window> inside;
      for (const auto& w : scheduled)
        if (from <= w.start && w.start < to) inside.push_back(w);
      CHECK(all_windows(s, from, to) == inside);
    }
  }
}
