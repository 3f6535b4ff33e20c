#include "framework/observe/metrics.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "framework/observe/exposition.hpp"

namespace sluice::observe {

namespace pm = prometheus;

namespace {

const pm::Histogram::BucketBoundaries kRunBuckets{1,   5,   15,   30,   60,  120,
                                                  300, 600, 1800, 3600, 7200};
const pm::Histogram::BucketBoundaries kClaimBuckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                    0.5,   1,    2.5,   5,    15,  60};
const pm::Histogram::BucketBoundaries kHttpBuckets{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                   0.1,   0.25,   0.5,   1,    2.5};

// What /proc says of this process: CPU seconds, resident bytes, open descriptors.
struct ProcessStats {
  double cpu_seconds = 0;
  double resident_bytes = 0;
  double open_fds = 0;
};

ProcessStats read_process_stats() {
  ProcessStats s;
  std::ifstream stat("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  // Fields after the command (which may hold spaces) start past its closing parenthesis.
  if (const auto close = text.rfind(')'); close != std::string::npos) {
    std::istringstream rest(text.substr(close + 2));
    std::string field;
    double utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
      if (i == 14) utime = std::stod(field);
      if (i == 15) stime = std::stod(field);
    }
    s.cpu_seconds = (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  std::ifstream statm("/proc/self/statm");
  double size = 0, resident = 0;
  if (statm >> size >> resident) resident *= static_cast<double>(sysconf(_SC_PAGESIZE));
  s.resident_bytes = resident;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    s.open_fds += 1;
  return s;
}

}  // namespace

struct Metrics::Families {
  explicit Families(pm::Registry& r)
      : finished(pm::BuildCounter()
                     .Name("sluice_windows_finished_total")
                     .Help("Window runs ended, per pipeline and outcome")
                     .Register(r)),
        window_seconds(pm::BuildHistogram()
                           .Name("sluice_window_duration_seconds")
                           .Help("One run of a window, claim to end, per pipeline")
                           .Register(r)),
        task_seconds(pm::BuildHistogram()
                         .Name("sluice_task_duration_seconds")
                         .Help("One task of a window run, per task (all pipelines)")
                         .Register(r)),
        rows(pm::BuildCounter()
                 .Name("sluice_rows_total")
                 .Help("Rows moved, per pipeline and direction")
                 .Register(r)),
        retries(pm::BuildCounter()
                    .Name("sluice_retries_total")
                    .Help("Window runs that failed and were scheduled again, per pipeline")
                    .Register(r)),
        claim_latency(pm::BuildHistogram()
                          .Name("sluice_claim_latency_seconds")
                          .Help("From a window being claimable (made, or its retry due) to a "
                                "worker claiming it")
                          .Register(r)
                          .Add({}, kClaimBuckets)),
        leases_lost(pm::BuildCounter()
                        .Name("sluice_leases_lost_total")
                        .Help("Runs that found their lock taken (fenced off), per pipeline")
                        .Register(r)),
        stale_freed(pm::BuildCounter()
                        .Name("sluice_stale_locks_freed_total")
                        .Help("Records whose expired lease the cleanup released")
                        .Register(r)
                        .Add({})),
        reconnects(pm::BuildCounter()
                       .Name("sluice_database_reconnects_total")
                       .Help("Times the database came back after an outage")
                       .Register(r)
                       .Add({})),
        database(pm::BuildGauge()
                     .Name("sluice_database_up")
                     .Help("1 while the coordinating database is reachable, 0 in an outage")
                     .Register(r)
                     .Add({})),
        backfill(pm::BuildGauge()
                     .Name("sluice_backfill_windows")
                     .Help("Windows of each unfinished backfill request, total and done")
                     .Register(r)),
        pool_size(pm::BuildGauge()
                      .Name("sluice_pool_slots")
                      .Help("Slots of each pool in this daemon's file (`pools`)")
                      .Register(r)),
        pool_used(pm::BuildGauge()
                      .Name("sluice_pool_slots_used")
                      .Help("Slots of each pool held by running windows, every daemon together")
                      .Register(r)),
        pool_waiting(pm::BuildGauge()
                         .Name("sluice_pool_waiting_windows")
                         .Help("PENDING windows of each pool's pipelines, not paused and not "
                               "waiting for a retry")
                         .Register(r)),
        http_requests(pm::BuildCounter()
                          .Name("sluice_http_requests_total")
                          .Help("HTTP requests answered, per route and status code")
                          .Register(r)),
        http_seconds(pm::BuildHistogram()
                         .Name("sluice_http_request_duration_seconds")
                         .Help("From a request read to its answer, per route")
                         .Register(r)),
        cpu(pm::BuildCounter()
                .Name("process_cpu_seconds_total")
                .Help("User and system CPU time of the process")
                .Register(r)
                .Add({})),
        resident(pm::BuildGauge()
                     .Name("process_resident_memory_bytes")
                     .Help("Resident memory of the process")
                     .Register(r)
                     .Add({})),
        open_fds(pm::BuildGauge()
                     .Name("process_open_fds")
                     .Help("Open file descriptors of the process")
                     .Register(r)
                     .Add({})) {
    pm::BuildGauge()
        .Name("sluice_build_info")
        .Help("The running version (always 1)")
        .Register(r)
        .Add({{"version", SLUICE_VERSION}})
        .Set(1);
    database.Set(1);
    pm::BuildGauge()
        .Name("process_start_time_seconds")
        .Help("Start of the process, seconds since the epoch")
        .Register(r)
        .Add({})
        .Set(static_cast<double>(std::chrono::duration_cast<std::chrono::seconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count()));
  }

  pm::Family<pm::Counter>& finished;
  pm::Family<pm::Histogram>& window_seconds;
  pm::Family<pm::Histogram>& task_seconds;
  pm::Family<pm::Counter>& rows;
  pm::Family<pm::Counter>& retries;
  pm::Histogram& claim_latency;
  pm::Family<pm::Counter>& leases_lost;
  pm::Counter& stale_freed;
  pm::Counter& reconnects;
  pm::Gauge& database;
  pm::Family<pm::Gauge>& backfill;
  pm::Family<pm::Gauge>& pool_size;
  pm::Family<pm::Gauge>& pool_used;
  pm::Family<pm::Gauge>& pool_waiting;
  pm::Family<pm::Counter>& http_requests;
  pm::Family<pm::Histogram>& http_seconds;
  pm::Counter& cpu;
  pm::Gauge& resident;
  pm::Gauge& open_fds;

  // The gauges set from snapshots, to drop the series of what is gone.
  std::mutex snapshot_mutex;
  std::vector<pm::Gauge*> backfill_gauges, pool_gauges;
  // The per-pipeline gauges of the last snapshot, as text: rendered once per snapshot, not
  // from a registry at every scrape (70,000 series at 10,000 pipelines; empty: none yet).
  mutable std::mutex text_mutex;
  std::shared_ptr<const std::string> pipeline_text = std::make_shared<const std::string>();
  mutable std::mutex process_mutex;
  mutable double cpu_counted = 0;
};

Metrics::Metrics()
    : registry_(std::make_shared<pm::Registry>()), f_(std::make_unique<Families>(*registry_)) {}

Metrics::~Metrics() = default;

void Metrics::window_finished(const std::string& pipeline, std::string_view status,
                              double seconds) {
  f_->finished.Add({{"pipeline", pipeline}, {"status", std::string(status)}}).Increment();
  f_->window_seconds.Add({{"pipeline", pipeline}}, kRunBuckets).Observe(seconds);
}

void Metrics::task_finished(std::string_view task, double seconds) {
  f_->task_seconds.Add({{"task", std::string(task)}}, kRunBuckets).Observe(seconds);
}

void Metrics::rows_moved(const std::string& pipeline, std::string_view direction,
                         std::int64_t rows) {
  if (rows <= 0) return;
  f_->rows.Add({{"pipeline", pipeline}, {"direction", std::string(direction)}})
      .Increment(static_cast<double>(rows));
}

void Metrics::retried(const std::string& pipeline) {
  f_->retries.Add({{"pipeline", pipeline}}).Increment();
}

void Metrics::claimed(double waited_seconds) {
  f_->claim_latency.Observe(waited_seconds);
}

void Metrics::lease_lost(const std::string& pipeline) {
  f_->leases_lost.Add({{"pipeline", pipeline}}).Increment();
}

void Metrics::stale_locks_freed(std::int64_t records) {
  if (records > 0) f_->stale_freed.Increment(static_cast<double>(records));
}

void Metrics::database_reconnected() {
  f_->reconnects.Increment();
}

void Metrics::database_up(bool up) {
  f_->database.Set(up ? 1 : 0);
}

void Metrics::http_answered(const std::string& route, int status, double seconds) {
  f_->http_requests.Add({{"route", route}, {"code", std::to_string(status)}}).Increment();
  f_->http_seconds.Add({{"route", route}}, kHttpBuckets).Observe(seconds);
}

void Metrics::set_pipelines(const std::vector<PipelineSnapshot>& pipelines) {
  auto text = std::make_shared<std::string>();
  text->reserve(pipelines.size() * 400);
  // Each family's samples, under its help and type when it has any.
  const auto family = [&](std::string_view name, std::string_view help, const auto& samples) {
    const auto before = text->size();
    for (const auto& p : pipelines) samples(p, name);
    if (text->size() == before) return;
    std::string header;
    append_family_header(header, name, help, "gauge");
    text->insert(before, header);
  };
  family("sluice_windows", "Records per pipeline and status (refreshed every few seconds)",
         [&](const PipelineSnapshot& p, std::string_view name) {
           for (const auto& [status, count] : p.windows)
             append_sample(*text, name, {{"pipeline", p.pipeline}, {"status", status}},
                           static_cast<double>(count));
         });
  family("sluice_last_success_window_end_timestamp_seconds",
         "End of the newest SUCCESS or SKIPPED window per pipeline",
         [&](const PipelineSnapshot& p, std::string_view name) {
           if (p.last_success_end)
             append_sample(*text, name, {{"pipeline", p.pipeline}},
                           static_cast<double>(p.last_success_end->time_since_epoch().count()));
         });
  family("sluice_lateness_seconds",
         "How long the newest finished window's data has been due (now - end - x_time_back), "
         "per pipeline",
         [&](const PipelineSnapshot& p, std::string_view name) {
           if (p.lateness)
             append_sample(*text, name, {{"pipeline", p.pipeline}},
                           static_cast<double>(p.lateness->count()));
         });
  family("sluice_pipeline_sla_seconds", "The pipeline's `sla`: lateness allowed before it is late",
         [&](const PipelineSnapshot& p, std::string_view name) {
           if (p.sla)
             append_sample(*text, name, {{"pipeline", p.pipeline}},
                           static_cast<double>(p.sla->count()));
         });
  std::lock_guard lock(f_->text_mutex);
  f_->pipeline_text = std::move(text);
}

void Metrics::set_backfills(const std::vector<BackfillSnapshot>& backfills) {
  std::lock_guard lock(f_->snapshot_mutex);
  std::set<pm::Gauge*> fresh;
  for (const auto& b : backfills) {
    for (const auto& [state, value] :
         {std::pair{"total", b.windows_total}, std::pair{"done", b.windows_done}}) {
      auto& g = f_->backfill.Add(
          {{"pipeline", b.pipeline}, {"request", std::to_string(b.request)}, {"state", state}});
      g.Set(static_cast<double>(value));
      fresh.insert(&g);
    }
  }
  for (auto* g : f_->backfill_gauges)
    if (!fresh.contains(g)) f_->backfill.Remove(g);
  f_->backfill_gauges.assign(fresh.begin(), fresh.end());
}

void Metrics::set_pools(const std::vector<PoolSnapshot>& pools) {
  std::lock_guard lock(f_->snapshot_mutex);
  std::set<pm::Gauge*> fresh;
  for (const auto& p : pools) {
    for (auto [family, value] :
         {std::pair{&f_->pool_size, p.size}, std::pair{&f_->pool_used, p.slots_used},
          std::pair{&f_->pool_waiting, p.waiting}}) {
      auto& g = family->Add({{"pool", p.pool}});
      g.Set(static_cast<double>(value));
      fresh.insert(&g);
    }
  }
  for (auto* g : f_->pool_gauges) {
    if (fresh.contains(g)) continue;
    f_->pool_size.Remove(g);
    f_->pool_used.Remove(g);
    f_->pool_waiting.Remove(g);
  }
  f_->pool_gauges.assign(fresh.begin(), fresh.end());
}

std::string Metrics::exposition() const {
  {
    std::lock_guard lock(f_->process_mutex);
    const auto stats = read_process_stats();
    if (stats.cpu_seconds > f_->cpu_counted) {
      f_->cpu.Increment(stats.cpu_seconds - f_->cpu_counted);
      f_->cpu_counted = stats.cpu_seconds;
    }
    f_->resident.Set(stats.resident_bytes);
    f_->open_fds.Set(stats.open_fds);
  }
  std::shared_ptr<const std::string> pipelines;
  {
    std::lock_guard lock(f_->text_mutex);
    pipelines = f_->pipeline_text;
  }
  const std::string rest = render_exposition(registry_->Collect());
  std::string out;
  out.reserve(pipelines->size() + rest.size());
  out += *pipelines;
  out += rest;
  return out;
}

Metrics& metrics() {
  static Metrics instance;
  return instance;
}

}  // namespace sluice::observe
