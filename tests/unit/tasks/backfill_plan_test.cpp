// plan_backfill: which windows of a range a backfill creates, resets, or leaves alone.
#include <catch2/catch.hpp>

#include "tasks/backfill.hpp"
#include "tests/unit/time/helpers.hpp"

using namespace sluice;
using sluice::time::test::utc;
using store::Status;

namespace {

time::WindowSpec hourly() {
  time::WindowSpec s;
  s.granularity = time::Granularity::parse("1h").value();
  s.zone = time::utc_zone();
  s.start = utc(2024, 1, 1);
  s.x_time_back = time::parse_duration("30m").value();
  return s;
}

std::string hours(const tasks::BackfillPlan::Action& action) {
  std::string out;
  for (const auto& w : action.first)
    out += (out.empty() ? "" : ",") + std::to_string((w.start - utc(2024, 1, 1)).count() / 3600);
  return out;
}

// Pulls the windows of a vector, as the store's pages would give them.
tasks::ExistingWindows from_vector(std::vector<tasks::ExistingWindow> existing) {
  auto next = std::make_shared<std::size_t>(0);
  return [existing = std::move(existing), next]() -> std::optional<tasks::ExistingWindow> {
    if (*next == existing.size()) return std::nullopt;
    return existing[(*next)++];
  };
}

}  // namespace

TEST_CASE("plan_backfill: per reprocess mode, what is created, reset, left running and kept",
          "[tasks][backfill]") {
  // Hours 0..5 of 2024-01-01: 0 SUCCESS, 1 SKIPPED, 2 FAILED, 3 IN_PROGRESS, 4 PENDING, 5 missing.
  const std::vector<tasks::ExistingWindow> existing{{utc(2024, 1, 1, 0), Status::success},
                                                    {utc(2024, 1, 1, 1), Status::skipped},
                                                    {utc(2024, 1, 1, 2), Status::failed},
                                                    {utc(2024, 1, 1, 3), Status::in_progress},
                                                    {utc(2024, 1, 1, 4), Status::pending}};
  struct Case {
    const char* name;
    store::Reprocess reprocess;
    const char* reset;
    const char* kept;
  };
  for (const auto& c : {Case{"missing", store::Reprocess::missing, "", "0,1,2,4"},
                        Case{"failed", store::Reprocess::failed, "2", "0,1,4"},
                        Case{"all", store::Reprocess::all, "0,1,2", "4"}}) {
    INFO(c.name);
    const auto plan =
        tasks::plan_backfill(hourly(), utc(2024, 1, 1), utc(2024, 1, 1, 6), utc(2024, 2, 1),
                             c.reprocess, from_vector(existing), 100);
    CHECK(hours(plan.create) == "5");
    CHECK(hours(plan.reset) == c.reset);
    CHECK(hours(plan.running) == "3");  // never taken from its run
    CHECK(hours(plan.kept) == c.kept);
    CHECK(plan.windows() == 6);
    CHECK(plan.not_due == 0);
  }
}

TEST_CASE(
    "plan_backfill: windows not yet due are left to the schedule, the range is clipped to "
    "start_date",
    "[tasks][backfill]") {
  // now 05:20: the 04:00 window ends 05:00 and is due at 05:30 (x_time_back 30m): not due yet.
  const auto plan =
      tasks::plan_backfill(hourly(), utc(2023, 12, 31, 22), utc(2024, 1, 1, 6),
                           utc(2024, 1, 1, 5, 20), store::Reprocess::missing, from_vector({}), 100);
  CHECK(hours(plan.create) == "0,1,2,3");
  CHECK(plan.not_due == 2);
}

TEST_CASE("plan_backfill: a long range is counted whole and lists only the first windows",
          "[tasks][backfill]") {
  // A year of hours; records exist for every other hour of January (SUCCESS), and the windows
  // from 2024-06-01 on are not due yet. Records outside the schedule (half past) are skipped.
  std::vector<tasks::ExistingWindow> existing;
  for (int h = 0; h < 31 * 24; h += 2) {
    existing.push_back({utc(2024, 1, 1, h), Status::success});
    existing.push_back({utc(2024, 1, 1, h, 30), Status::failed});
  }
  auto calls = std::make_shared<int>(0);
  auto pulled = from_vector(existing);
  const tasks::ExistingWindows counting = [&, calls]() {
    ++*calls;
    return pulled();
  };
  for (const auto reprocess : {store::Reprocess::missing, store::Reprocess::all}) {
    *calls = 0;
    pulled = from_vector(existing);
    const auto plan = tasks::plan_backfill(hourly(), utc(2024, 1, 1), utc(2025, 1, 1),
                                           utc(2024, 6, 1), reprocess, counting, 5);
    const std::int64_t due = (utc(2024, 6, 1) - utc(2024, 1, 1)).count() / 3600 - 1;
    CHECK(plan.windows() == due);
    CHECK(plan.not_due == 366 * 24 - due);
    const std::int64_t existing_on_schedule = 31 * 12;
    if (reprocess == store::Reprocess::missing) {
      CHECK(plan.kept.count == existing_on_schedule);
      CHECK(plan.reset.count == 0);
    } else {
      CHECK(plan.reset.count == existing_on_schedule);
      CHECK(hours(plan.reset) == "0,2,4,6,8");
    }
    CHECK(plan.create.count == due - existing_on_schedule);
    CHECK(hours(plan.create) == "1,3,5,7,9");
    // Every record pulled once, in order, plus the final nullopt.
    CHECK(*calls == static_cast<int>(existing.size()) + 1);
  }
}
