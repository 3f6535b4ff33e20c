#pragma once
// The scale benchmark's fleet: how many pipelines of which granularity and zone, how many
// windows each, and the config files a real sluiced and sluicectl load for them.
//
// The mix, by pipeline number p: 10% every 15 minutes, 55% hourly, 5% every 2 hours, 30%
// daily; zones UTC, Europe/Zurich, America/New_York, Asia/Tokyo, Asia/Kolkata (+05:30, so
// its hours start at :30 UTC), Australia/Sydney and Europe/London in turn. Every pipeline
// covers the same span of time up to now, so a 15-minute pipeline has 96 times the windows
// of a daily one; the span is chosen so that the windows add up to the records asked for.
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace sluice::bench::scale {

struct Granularity {
  const char* text;  // as written in the file, and the records' time_interval
  long seconds;
  const char* lag;  // x_time_back
  long lag_seconds;
  const char* cron;  // when the scheduler looks, in the pipeline's zone
};

inline constexpr Granularity kQuarter{"15m", 900, "0s", 0, "*/15 * * * *"};
inline constexpr Granularity kHour{"1h", 3600, "5m", 300, "5 * * * *"};
inline constexpr Granularity kTwoHours{"2h", 7200, "10m", 600, "10 */2 * * *"};
inline constexpr Granularity kDay{"1d", 86400, "1h", 3600, "0 1 * * *"};

inline const Granularity& granularity_of(int p) {
  const int slot = p % 20;
  if (slot < 2) return kQuarter;
  if (slot < 13) return kHour;
  if (slot < 14) return kTwoHours;
  return kDay;
}

inline const char* zone_of(int p) {
  static const char* const kZones[] = {"UTC",          "Europe/Zurich", "America/New_York",
                                       "Asia/Tokyo",   "Asia/Kolkata",  "Australia/Sydney",
                                       "Europe/London"};
  return kZones[p % 7];
}

inline std::string pipeline_id(int p) {
  return fmt::format("p{:05}", p);
}

// Tags for `--tag`: a team (a tenth of the fleet each) and the cadence.
inline std::string team_of(int p) {
  return fmt::format("team_{}", p % 10);
}

// The fewest windows a pipeline gets, whatever the span: the live part below needs them.
inline constexpr long kMinWindows = 8;

struct Plan {
  long pipelines = 0;
  double span_days = 0;
  std::vector<long> windows;  // per pipeline
  long total() const {
    long n = 0;
    for (long w : windows) n += w;
    return n;
  }
};

inline long windows_over(double days, const Granularity& g) {
  return std::max(kMinWindows, std::lround(days * 86400.0 / static_cast<double>(g.seconds)));
}

// The span whose windows add up to `records` (bisection: the count grows with the span).
inline Plan plan(long records, long pipelines) {
  Plan out;
  out.pipelines = pipelines;
  const auto total = [&](double days) {
    long n = 0;
    for (long p = 0; p < pipelines; ++p)
      n += windows_over(days, granularity_of(static_cast<int>(p)));
    return n;
  };
  double lo = 0, hi = 1;
  while (total(hi) < records && hi < 1e6) hi *= 2;
  for (int i = 0; i < 60; ++i) {
    const double mid = (lo + hi) / 2;
    (total(mid) < records ? lo : hi) = mid;
  }
  out.span_days = hi;
  for (long p = 0; p < pipelines; ++p)
    out.windows.push_back(windows_over(hi, granularity_of(static_cast<int>(p))));
  return out;
}

// The daemon file: the API with a viewer's and an admin's token (from the environment), the
// defaults of the example file elsewhere. Every pipeline copies from `shop` to `warehouse`,
// both the benchmark's own database: no window runs while it measures.
inline void write_daemon_file(const std::filesystem::path& dir, int http_port) {
  std::filesystem::create_directories(dir / "pipelines.d");
  std::ofstream(dir / "sluice.yaml") << fmt::format(
      R"(database:
  url: ${{env:SLUICE_DATABASE_URL}}
stage:
  root: stage
workers: 4
log:
  level: warn
timezone: UTC
http:
  listen: 127.0.0.1:{}
  tokens:
    - name: scale-viewer
      role: viewer
      token: ${{env:SLUICE_SCALE_VIEWER_TOKEN}}
    - name: scale-admin
      role: admin
      token: ${{env:SLUICE_SCALE_ADMIN_TOKEN}}
connections:
  shop:
    kind: postgres
    url: ${{env:SLUICE_DATABASE_URL}}
  warehouse:
    kind: postgres
    url: ${{env:SLUICE_DATABASE_URL}}
)",
      http_port);
}

inline void write_pipeline_file(const std::filesystem::path& dir, int p) {
  const auto& g = granularity_of(p);
  std::ofstream(dir / "pipelines.d" / (pipeline_id(p) + ".yaml")) << fmt::format(
      R"(id: {0}
description: scale benchmark pipeline {1}, every {2} in {3}
tags: [{4}, every_{2}]
source:
  connection: shop
  table: shop_events_{5}
  time_column: event_time
target:
  connection: warehouse
  table: fact_events_{0}
schedule:
  cron: "{6}"
  timezone: {3}
window:
  granularity: {2}
  x_time_back: {7}
  start_date: "2000-01-01"
)",
      pipeline_id(p), p, g.text, zone_of(p), team_of(p), p % 50, g.cron, g.lag);
}

inline void write_fleet(const std::filesystem::path& dir, long pipelines, int http_port) {
  std::filesystem::remove_all(dir / "pipelines.d");
  write_daemon_file(dir, http_port);
  for (int p = 0; p < pipelines; ++p) write_pipeline_file(dir, p);
}

}  // namespace sluice::bench::scale
