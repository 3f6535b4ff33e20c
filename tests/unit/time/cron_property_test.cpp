// next_fire / prev_fire against a brute-force scan of every minute around every DST change
// of several zones, and their consistency with each other at random instants.
#include <random>

#include <catch2/catch.hpp>

#include "framework/time/cron.hpp"
#include "tests/unit/time/helpers.hpp"

using namespace sluice;
using namespace sluice::time;
using namespace sluice::time::test;
using std::chrono::minutes;

namespace {

const char* const kExpressions[] = {
    "* * * * *", "*/7 * * * *",    "0 * * * *",   "30 2 * * *",          "15,45 1-3 * * *",
    "0 0 * * *", "*/20 0-4 * * 0", "59 23 * * *", "10-40/15 * * * *",    "0 2 * * *",
    "0 1 * * *", "45 2 * * 1-5",   "0 0 1 * mon", "0 0 */2 * sun",       "5 */2 * * *",
    "0 3 * * *", "@hourly",        "@daily",      "30 0,12 * jan-dec *", "*/30 1-2 * * *",
};

const char* const kZones[] = {"America/Los_Angeles", "Europe/Zurich",
                              "Australia/Lord_Howe", "Asia/Kathmandu",
                              "America/Havana",      "America/Santiago",
                              "Pacific/Chatham",     "Australia/Sydney",
                              "Asia/Tehran",         "UTC"};

// Every fire in (from, to] by definition: each minute's wall-clock time on its first
// pass, and at a gap's end every wall-clock time the gap skipped.
std::vector<Instant> brute_force(const Cron& c, Zone z, Instant from, Instant to) {
  std::vector<Instant> out;
  for (Instant u = date::floor<minutes>(from) + minutes(1); u <= to; u += minutes(1)) {
    const date::sys_info info = z->get_info(u);
    bool fire = false;
    const auto wall = date::local_seconds{u.time_since_epoch() + info.offset};
    // First pass: the same wall-clock time did not occur under the previous offset.
    const date::sys_info before = z->get_info(info.begin - std::chrono::seconds(1));
    const bool second_pass = u - info.begin < before.offset - info.offset;
    if (!second_pass) fire = c.matches(wall);
    if (info.begin == u && before.offset < info.offset) {
      for (auto skipped = date::local_seconds{u.time_since_epoch() + before.offset}; skipped < wall;
           skipped += minutes(1))
        fire = fire || c.matches(skipped);
    }
    if (fire) out.push_back(u);
  }
  return out;
}

std::vector<Instant> transitions_in(Zone z, int year) {
  std::vector<Instant> out;
  const Instant end = utc(year + 1, 1, 1);
  for (Instant t = z->get_info(utc(year, 1, 1)).end; t < end; t = z->get_info(t).end)
    out.push_back(t);
  return out;
}

}  // namespace

TEST_CASE("next_fire and prev_fire equal a minute-by-minute scan around DST changes",
          "[time][cron][property]") {
  for (const char* zone_name : kZones) {
    const Zone z = zone(zone_name);
    auto spots = transitions_in(z, 2024);
    spots.push_back(utc(2024, 2, 28, 12));  // a leap day and an ordinary day for every zone
    for (const Instant spot : spots) {
      const Instant from = spot - std::chrono::hours(26);
      const Instant to = spot + std::chrono::hours(26);
      for (const char* expression : kExpressions) {
        INFO(zone_name << " " << format_utc(spot) << " " << expression);
        const auto cron = Cron::parse(expression).value();
        const auto expected = brute_force(cron, z, from, to);
        std::vector<Instant> forward;
        for (auto t = cron.next_fire(from, z); t && *t <= to; t = cron.next_fire(*t, z))
          forward.push_back(*t);
        CHECK(forward == expected);
        std::vector<Instant> backward;
        for (auto t = cron.prev_fire(to + Seconds(1), z); t && *t > from; t = cron.prev_fire(*t, z))
          backward.insert(backward.begin(), *t);
        CHECK(backward == expected);
      }
    }
  }
}

TEST_CASE("next_fire is strictly increasing and consistent with prev_fire",
          "[time][cron][property]") {
  std::mt19937_64 random(20240310);
  std::uniform_int_distribution<std::int64_t> second_in(utc(2000, 1, 1).time_since_epoch().count(),
                                                        utc(2100, 1, 1).time_since_epoch().count());
  for (const char* zone_name : kZones) {
    const Zone z = zone(zone_name);
    for (const char* expression : kExpressions) {
      INFO(zone_name << " " << expression);
      const auto cron = Cron::parse(expression).value();
      for (int i = 0; i < 20; ++i) {
        const Instant t{Seconds{second_in(random)}};
        INFO(format_utc(t));
        const auto next = cron.next_fire(t, z);
        REQUIRE(next);
        CHECK(*next > t);
        const auto prev = cron.prev_fire(*next, z);
        REQUIRE(prev);
        CHECK(*prev <= t);
        CHECK(cron.next_fire(*prev, z) == next);
        CHECK(cron.prev_fire(t + Seconds(1), z) == prev);
        const auto after_next = cron.next_fire(*next, z);
        REQUIRE(after_next);
        CHECK(*after_next > *next);
      }
    }
  }
}
