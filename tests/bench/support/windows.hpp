#pragma once
// One window of a pipeline through the runner, timed in a child process, and compared with a
// baseline tool moving the same rows (the data-path benchmarks).
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <date/date.h>

#include "tasks/runner.hpp"
#include "tests/bench/support/measure.hpp"
#include "tests/bench/support/process.hpp"
#include "tests/bench/support/server.hpp"

namespace sluice::bench {

// The benchmarks' windows start here; `now` is a year later, so every window is due.
inline const Instant kStart = Instant{date::sys_days{date::year{2024} / 1 / 1}};
inline const Instant kNow = kStart + std::chrono::hours(24 * 365);

struct WindowRun {
  double seconds = 0;
  long rows = 0;  // -1 unless the window ended SUCCESS
  double peak_rss_mib = 0;
};

// One pipeline's windows through the runner with one worker, in a child process of its own,
// so that its ru_maxrss is the worker's peak alone.
inline WindowRun run_in_child(const std::string& database_url,
                              const std::shared_ptr<tasks::PipelineRuntime>& pipeline) {
  const auto r = run_child([&] {
    WindowRun w;
    {
      tasks::RunnerOptions o;
      o.database_url = database_url;
      o.workers = 1;
      tasks::Runner runner(o, {pipeline});
      if (runner.generate(kNow)) {
        const auto t0 = Clock::now();
        const auto summary = runner.drain();
        w.seconds = seconds_since(t0);
        w.rows = summary.success == 1 ? static_cast<long>(summary.rows) : -1;
      }
    }
    w.peak_rss_mib = peak_rss_mib();
    return w;
  });
  return r.value_or(WindowRun{.seconds = 0, .rows = -1, .peak_rss_mib = 0});
}

// The seconds each task of the pipeline's last window took (tasks overlap when the target's
// load is fed during the extract).
inline void print_task_times(const std::string& url, const std::string& pipeline) {
  const auto tasks =
      sql(url,
          "SELECT task, round(extract(epoch FROM ended_at - started_at)::numeric, 2) FROM "
          "pipeline_events JOIN pipeline_records r ON r.id = record_id WHERE r.pipeline_id = '" +
              pipeline + "' AND task <> 'claim' ORDER BY started_at");
  std::printf("  sluice's last run by task:");
  for (const auto& t : tasks) std::printf(" %s %s s;", t[0].c_str(), t[1].c_str());
  std::printf("\n");
}

// sluice against a baseline moving the same window, paired runs: `ours(id)` runs the
// pipeline `id` (a new one each time, so each has its own record) and `theirs()` returns its
// seconds. Prints rows/s, MB/s (of the stage file, COPY text), sluice's peak RSS, the ratio
// and the last sluice run's time per task.
template <class Ours, class Theirs>
void compare_data_path(const std::string& url, const std::string& title, const char* baseline,
                       long rows, int repeats, const std::string& id_prefix, Ours ours,
                       Theirs theirs, double target = 0.8) {
  std::vector<double> rss;
  std::string last_id;
  const double n = static_cast<double>(rows);
  const Paired runs = run_paired(
      repeats,
      [&] {
        last_id = id_prefix + std::to_string(rss.size());
        const WindowRun r = ours(last_id);
        rss.push_back(r.peak_rss_mib);
        return n / r.seconds;
      },
      [&] { return n / theirs(); });
  const double bytes = static_cast<double>(scalar(
      url, "SELECT coalesce(max(stage_bytes), 0) FROM pipeline_records WHERE pipeline_id = '" +
               last_id + "'"));
  const double mb_per_row = bytes / n / 1e6;
  const double sluice = median(runs.ours), base = median(runs.theirs);
  std::printf("%s, one window of %ld rows (%.0f MB as COPY text), median of %d:\n", title.c_str(),
              rows, bytes / 1e6, repeats);
  std::printf("  %-14s: %8.0f rows/s  %6.1f MB/s  [%s]  peak RSS %.1f MiB [%s] (target <= 64)\n",
              "sluice", sluice, sluice * mb_per_row, list(runs.ours).c_str(),
              *std::max_element(rss.begin(), rss.end()), list(rss, 1).c_str());
  std::printf("  %-14s: %8.0f rows/s  %6.1f MB/s  [%s]\n", baseline, base, base * mb_per_row,
              list(runs.theirs).c_str());
  runs.print(("sluice/" + std::string(baseline)).c_str(), target);
  print_task_times(url, last_id);
}
}  // namespace sluice::bench
