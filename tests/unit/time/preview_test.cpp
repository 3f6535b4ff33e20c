#include <catch2/catch.hpp>

#include "framework/time/preview.hpp"
#include "tests/unit/time/helpers.hpp"

using namespace sluice;
using namespace sluice::time;
using namespace sluice::time::test;

TEST_CASE("next_fires lists instants in the zone, as text and JSON", "[time][preview]") {
  const Zone la = zone("America/Los_Angeles");
  const auto cron = Cron::parse("0 2 * * *").value();
  const auto fires = next_fires(cron, la, at("2024-03-09T00:00:00-08:00"), 3);
  CHECK(format_fires(fires, la) ==
        "2024-03-09T02:00:00-08:00\n2024-03-10T03:00:00-07:00\n2024-03-11T02:00:00-07:00\n");
  CHECK(fires_json(fires, la) ==
        nlohmann::json::array({"2024-03-09T02:00:00-08:00", "2024-03-10T03:00:00-07:00",
                               "2024-03-11T02:00:00-07:00"}));
  // The search ends with year 9999.
  CHECK(next_fires(cron, la, at("9999-12-31T00:00:00Z"), 3).size() == 1);
}

TEST_CASE("preview_windows shows each window's target_day and whether it is due",
          "[time][preview]") {
  WindowSpec s;
  s.granularity = Granularity::parse("1d").value();
  s.zone = zone("Asia/Kathmandu");
  s.start = at("2024-01-01T00:00:00+05:45");
  s.x_time_back = parse_duration("2h").value();
  const Instant now = at("2024-01-03T01:59:59+05:45");
  const auto rows =
      preview_windows(s, at("2023-12-30T00:00:00Z"), at("2024-01-04T00:00:00Z"), now, 10);
  // The first window starts at spec.start; the second ends at 01-03 00:00 and becomes due
  // two hours later.
  REQUIRE(rows.size() == 4);
  CHECK(rows[0].target_day == date::year{2024} / 1 / 1);
  CHECK(rows[0].due);
  CHECK_FALSE(rows[1].due);
  CHECK(rows[3].target_day == date::year{2024} / 1 / 4);
  CHECK(preview_windows(s, s.start, at("2024-02-01T00:00:00Z"), now, 2).size() == 2);
  CHECK(format_window_preview({rows[0], rows[1]}, s.zone) ==
        "WINDOW_START               WINDOW_END                 TARGET_DAY  DUE\n"
        "2024-01-01T00:00:00+05:45  2024-01-02T00:00:00+05:45  2024-01-01  yes\n"
        "2024-01-02T00:00:00+05:45  2024-01-03T00:00:00+05:45  2024-01-02  no\n");
  const auto json = window_preview_json({rows[0]}, s.zone);
  CHECK(json == nlohmann::json::parse(R"([{"window_start": "2024-01-01T00:00:00+05:45",
      "window_end": "2024-01-02T00:00:00+05:45", "window_start_utc": "2023-12-31T18:15:00Z",
      "window_end_utc": "2024-01-01T18:15:00Z", "target_day": "2024-01-01", "due": true}])"));
}
