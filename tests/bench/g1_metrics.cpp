// The cost of a /metrics scrape at 200 pipelines (G1: p99 <= 20 ms): sluiced's exposition
// (render_exposition over the registry's families, the process's /proc figures read), and on
// the same families prometheus-cpp's TextSerializer, the baseline it replaced. Also what the
// series would be with the task histogram labelled per pipeline, as it was. Printed, never
// asserted. Then an idle daemon's scrape (nothing run yet: the per-pipeline gauges of the
// metrics refresh alone), rendered once per refresh against rendered at every scrape as it
// was. Knob: SLUICE_BENCH_PIPELINES (200).
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "framework/observe/exposition.hpp"
#include "framework/observe/metrics.hpp"
#include "tests/bench/support/measure.hpp"

using namespace sluice;
using bench::Clock;

namespace {

const char* const kTasks[] = {"store_and_validate", "pre_validation", "source_to_stage",
                              "stage_to_target", "audit"};
const char* const kStatuses[] = {"PENDING", "IN_PROGRESS", "SUCCESS", "SKIPPED", "FAILED"};

std::string pipeline_name(int i) {
  return "pipeline_" + std::to_string(i);
}

// What a daemon of `n` pipelines has recorded after a while.
void populate(observe::Metrics& m, int n) {
  std::vector<observe::PipelineSnapshot> snapshot;
  for (int i = 0; i < n; ++i) {
    const auto p = pipeline_name(i);
    m.window_finished(p, "SUCCESS", 12.5);
    m.window_finished(p, "FAILED", 1.5);
    m.rows_moved(p, "source_to_stage", 1000);
    m.rows_moved(p, "stage_to_target", 1000);
    m.retried(p);
    observe::PipelineSnapshot s{.pipeline = p};
    for (const char* status : kStatuses) s.windows[status] = 100 + i;
    s.last_success_end = Instant{Seconds{1'700'000'000}};
    s.lateness = Seconds{3600};
    s.sla = Seconds{7200};
    snapshot.push_back(std::move(s));
  }
  for (const char* task : kTasks) m.task_finished(task, 0.5);
  for (int r = 0; r < 20; ++r) m.http_answered("/api/v1/route" + std::to_string(r), 200, 0.004);
  m.set_pipelines(snapshot);
}

// The old shape: the task histogram per pipeline and task, with the rest as above.
std::shared_ptr<prometheus::Registry> old_shape(int n) {
  namespace pm = prometheus;
  auto r = std::make_shared<pm::Registry>();
  const pm::Histogram::BucketBoundaries buckets{1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200};
  auto& tasks = pm::BuildHistogram().Name("sluice_task_duration_seconds").Help("t").Register(*r);
  auto& windows =
      pm::BuildHistogram().Name("sluice_window_duration_seconds").Help("w").Register(*r);
  auto& gauges = pm::BuildGauge().Name("sluice_windows").Help("g").Register(*r);
  for (int i = 0; i < n; ++i) {
    const auto p = pipeline_name(i);
    for (const char* task : kTasks)
      tasks.Add({{"pipeline", p}, {"task", task}}, buckets).Observe(0.5);
    windows.Add({{"pipeline", p}}, buckets).Observe(12.5);
    for (const char* status : kStatuses) gauges.Add({{"pipeline", p}, {"status", status}}).Set(i);
  }
  return r;
}

template <class Render>
std::pair<double, std::size_t> time_per_call(Render render) {
  std::vector<double> ms;
  std::size_t bytes = 0;
  const auto started = Clock::now();
  while (bench::seconds_since(started) < 2.0 || ms.size() < 5) {
    const auto t = Clock::now();
    bytes = render().size();
    ms.push_back(bench::seconds_since(t) * 1000);
  }
  return {bench::median(ms), bytes};
}

}  // namespace

int main() {
  const int n = static_cast<int>(bench::env_number("SLUICE_BENCH_PIPELINES", 200));
  std::printf("== /metrics at %d pipelines, median of repeated renders over 2 s each\n", n);

  observe::Metrics m;
  populate(m, n);
  const auto [ours_ms, ours_bytes] = time_per_call([&] { return m.exposition(); });
  std::printf("  sluiced's exposition (render_exposition + /proc): %.2f ms, %zu bytes\n", ours_ms,
              ours_bytes);

  const auto old = old_shape(n);
  const auto families = old->Collect();
  std::size_t series = 0;
  for (const auto& f : families)
    for (const auto& metric : f.metric) series += 1 + metric.histogram.bucket.size();
  const auto [base_ms, base_bytes] =
      time_per_call([&] { return prometheus::TextSerializer().Serialize(old->Collect()); });
  const auto [render_ms, render_bytes] =
      time_per_call([&] { return observe::render_exposition(old->Collect()); });
  std::printf("  the old shape (task histogram per pipeline, about %zu series):\n", series);
  std::printf("    prometheus-cpp TextSerializer: %.2f ms, %zu bytes\n", base_ms, base_bytes);
  std::printf("    render_exposition:             %.2f ms, %zu bytes (%.1fx faster)\n", render_ms,
              render_bytes, base_ms / std::max(render_ms, 1e-9));
  std::printf("  now against the old shape with the old serializer: %.1fx faster, %.1fx smaller\n",
              base_ms / std::max(ours_ms, 1e-9),
              static_cast<double>(base_bytes) / static_cast<double>(ours_bytes));
  std::printf("  target: a scrape's p99 <= 20 ms (the render is most of it)\n");

  // An idle daemon: the refresh's gauges only. Before, each scrape rendered them from the
  // registry; now the refresh renders them once and a scrape copies the text.
  std::vector<observe::PipelineSnapshot> snapshot;
  auto gauges = std::make_shared<prometheus::Registry>();
  auto& windows = prometheus::BuildGauge().Name("sluice_windows").Help("w").Register(*gauges);
  auto& last = prometheus::BuildGauge().Name("sluice_last_success").Help("l").Register(*gauges);
  auto& late = prometheus::BuildGauge().Name("sluice_lateness").Help("l").Register(*gauges);
  for (int i = 0; i < n; ++i) {
    observe::PipelineSnapshot s{.pipeline = pipeline_name(i)};
    for (const char* status : kStatuses) {
      s.windows[status] = 100 + i;
      windows.Add({{"pipeline", s.pipeline}, {"status", status}}).Set(100 + i);
    }
    s.last_success_end = Instant{Seconds{1'700'000'000}};
    s.lateness = Seconds{3600};
    last.Add({{"pipeline", s.pipeline}}).Set(1'700'000'000);
    late.Add({{"pipeline", s.pipeline}}).Set(3600);
    snapshot.push_back(std::move(s));
  }
  observe::Metrics idle;
  const double refresh_ms = time_per_call([&] {
                              idle.set_pipelines(snapshot);
                              return std::string();
                            }).first;
  const auto [idle_ms, idle_bytes] = time_per_call([&] { return idle.exposition(); });
  const double before_ms =
      time_per_call([&] { return observe::render_exposition(gauges->Collect()); }).first;
  std::printf(
      "  an idle daemon's scrape, %zu bytes: rendered at each scrape %.2f ms, now %.2f ms "
      "(%.1fx faster); the refresh that renders them: %.2f ms\n",
      idle_bytes, before_ms, idle_ms, before_ms / std::max(idle_ms, 1e-9), refresh_ms);
  return 0;
}
