#pragma once
// The process's Prometheus metrics: prometheus-cpp's model (registry, families, atomic
// counters) and its text serializer. The parts that do the work record through Metrics'
// calls; sluiced's /metrics serializes them. Names follow Prometheus' conventions
// (`sluice_` prefix, base units, `_total` counters, `_seconds` histograms); the list and what
// each means is in README.md ("Metrics").
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "framework/core/instant.hpp"

namespace prometheus {
class Registry;
}

namespace sluice::observe {

// One pipeline's records by status and its freshness, from the timer's one query.
struct PipelineSnapshot {
  std::string pipeline;
  std::map<std::string, std::int64_t> windows{};  // status -> records
  std::optional<Instant> last_success_end{};
  std::optional<Seconds> lateness{};
  std::optional<Seconds> sla{};  // the pipeline's `sla`
};

// One backfill request's progress.
struct BackfillSnapshot {
  std::string pipeline;
  std::int64_t request = 0;
  std::int64_t windows_total = 0, windows_done = 0;
};

// One pool's size (this daemon's file) and its use across the fleet.
struct PoolSnapshot {
  std::string pool;
  std::int64_t size = 0, slots_used = 0, waiting = 0;
};

class Metrics {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // The chain and the runner.
  void window_finished(const std::string& pipeline, std::string_view status, double seconds);
  // Per task, not per pipeline: 12 buckets x 5 tasks x every pipeline would be most of a
  // scrape at 200 pipelines; a pipeline's own runs are in its window durations.
  void task_finished(std::string_view task, double seconds);
  void rows_moved(const std::string& pipeline, std::string_view direction, std::int64_t rows);
  void retried(const std::string& pipeline);
  void claimed(double waited_seconds);
  void lease_lost(const std::string& pipeline);
  void stale_locks_freed(std::int64_t records);
  void database_reconnected();
  void database_up(bool up);
  void http_answered(const std::string& route, int status, double seconds);

  // Replaces every per-pipeline gauge (a pipeline gone since is dropped).
  void set_pipelines(const std::vector<PipelineSnapshot>& pipelines);
  void set_backfills(const std::vector<BackfillSnapshot>& backfills);
  void set_pools(const std::vector<PoolSnapshot>& pools);

  // The text exposition, with the process's CPU, memory and open files read now.
  std::string exposition() const;

  struct Families;  // internal

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<Families> f_;
};

// The process's metrics (created on first use).
Metrics& metrics();

}  // namespace sluice::observe
