#include "tasks/runner.hpp"

#include <unistd.h>

#include <algorithm>
#include <mutex>
#include <random>
#include <thread>

#include "framework/observe/log.hpp"
#include "framework/observe/metrics.hpp"
#include "framework/store/database.hpp"
#include "framework/store/records.hpp"
#include "tasks/lease_keeper.hpp"
#include "tasks/stage_sweep.hpp"
#include "tasks/window_batch.hpp"

namespace sluice::tasks {
namespace {

void count(RunSummary& s, const ChainOutcome& o) {
  switch (o.end) {
    case ChainEnd::success:
      ++s.success;
      s.rows += o.rows;
      break;
    case ChainEnd::skipped: ++s.skipped; break;
    case ChainEnd::failed: ++s.failed; break;
    case ChainEnd::retry_scheduled: ++s.retries; break;
    case ChainEnd::released: ++s.released; break;
    case ChainEnd::lock_lost: ++s.lock_lost; break;
    case ChainEnd::store_error: ++s.store_errors; break;
  }
}

}  // namespace

RunSummary& RunSummary::operator+=(const RunSummary& o) {
  generated += o.generated;
  expired += o.expired;
  success += o.success;
  skipped += o.skipped;
  failed += o.failed;
  retries += o.retries;
  released += o.released;
  lock_lost += o.lock_lost;
  store_errors += o.store_errors;
  rows += o.rows;
  swept += o.swept;
  return *this;
}

std::string default_holder() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "unknown");
  return std::string(host) + ":" + std::to_string(getpid());
}

std::vector<store::NewRecord> new_records(const PipelineRuntime& p, std::span<const Window> windows,
                                          Trigger trigger) {
  std::vector<store::NewRecord> out;
  out.reserve(windows.size());
  for (const auto& w : windows) {
    store::NewRecord r;
    r.pipeline = p.id;
    r.window = w;
    r.target_day = time::target_day(w, p.windows.zone);
    r.time_interval = p.windows.granularity.to_string();
    r.trigger = trigger;
    r.source_name = p.source_name;
    r.target_name = p.target_name;
    const time::TemplateContext ctx{p.id.value, w, p.windows.zone, p.windows.granularity};
    for (const auto& [name, tmpl] : p.business_fields) r.business_fields[name] = tmpl.render(ctx);
    out.push_back(std::move(r));
  }
  return out;
}

Runner::Runner(RunnerOptions options, std::vector<std::shared_ptr<const PipelineRuntime>> pipelines)
    : options_(std::move(options)),
      pipelines_(std::move(pipelines)),
      claimable_(claimable(pipelines_)) {
  if (options_.holder.empty()) options_.holder = default_holder();
  if (options_.workers < 1) options_.workers = 1;
}

Result<std::int64_t> generate_due(store::RecordStore& records, const PipelineRuntime& p,
                                  Instant now, std::size_t batch,
                                  const std::function<bool()>& keep_going) {
  auto last = records.last_window_end(p.id);
  if (!last) return fail(last.error());
  return generate_due_after(records, p, *last, now, batch, keep_going);
}

Result<std::int64_t> generate_due_after(store::RecordStore& records, const PipelineRuntime& p,
                                        std::optional<Instant> after, Instant now,
                                        std::size_t batch,
                                        const std::function<bool()>& keep_going) {
  std::int64_t created = 0;
  for (;;) {
    const auto due = time::due_windows(p.windows, after, now, batch);
    if (due.empty()) break;
    auto inserted = records.insert_pending(new_records(p, due, Trigger::scheduled));
    if (!inserted) return fail(inserted.error());
    created += *inserted;
    after = due.back().end;
    if (due.size() < batch || !p.windows.catchup) break;
    // The rest at the next call, which resumes from the newest record.
    if (keep_going && !keep_going()) break;
  }
  return created;
}

namespace {

bool ends_window(ChainEnd end) {
  return end == ChainEnd::success || end == ChainEnd::skipped || end == ChainEnd::failed;
}

// What one worker keeps from one claim to the next.
struct WorkerState {
  Chain& chain;
  BatchedEnds ends;
  BatchSize size;
  // The last time this worker read its backfill requests' progress again (settle_backfills).
  std::chrono::steady_clock::time_point progress_at{};
  // The backfill windows it ended since its last settle.
  std::vector<store::Record> unsettled;
  WorkerEnd end;
};

constexpr std::chrono::seconds kProgressEvery{1};

// Settles the requests of the backfill windows this worker ended: with `now`, or when their
// progress is due again. A window that ended may be its request's last, and the request then
// settles at once, not at a later pass of a processor (there may be none: this daemon may be
// draining); but while the worker's next claim is of the same pipeline's backfill, the windows
// it ended were not the last of their range, and reading the range again after each claim
// would cost a statement per claim for nothing.
void settle(store::RecordStore& records, WorkerState& w, bool now) {
  if (w.unsettled.empty()) return;
  const auto at = std::chrono::steady_clock::now();
  const bool progress = at - w.progress_at >= kProgressEvery;
  if (!now && !progress) return;
  if (progress) w.progress_at = at;
  if (auto settled = records.settle_backfills(w.unsettled, progress); !settled)
    observe::logger("scheduler")
        ->warn("backfill progress of {} window(s) not updated: {}", w.unsettled.size(),
               settled.error().message);
  w.unsettled.clear();
}

// Whether `claimed` goes on with the backlog whose windows the worker ended last: the same
// pipeline's backfill windows.
bool same_backlog(const std::vector<store::Record>& claimed, const WorkerState& w) {
  return !claimed.empty() && !w.unsettled.empty() && claimed.front().trigger == Trigger::backfill &&
         claimed.front().pipeline == w.unsettled.back().pipeline;
}

// Runs the windows of one claim, oldest first. Returns false when the worker stops.
bool run_claimed(store::RecordStore& records, LeaseKeeper& leases, const WorkerSource& source,
                 const ClaimablePipelines& pipelines, const std::vector<store::Record>& claimed,
                 WorkerState& w) {
  std::vector<std::shared_ptr<Lease>> held;
  held.reserve(claimed.size());
  for (const auto& record : claimed) {
    observe::metrics().claimed(record.claim_wait_seconds);
    held.push_back(leases.hold(record));
  }
  CountsAhead ahead(claimed);
  bool all_empty = true;
  bool go_on = true;
  std::vector<store::Record> unstarted;
  const auto lost = [&](const store::Record& record, const Error& error) {
    w.end.store_error = error;
    w.end.unfinished.push_back(record);
    go_on = false;
  };
  const auto finished = [&](const store::Record& record, const ChainOutcome& outcome) {
    const bool refused = outcome.end == ChainEnd::store_error && !outcome.connection_lost;
    if (refused) {
      leases.leave(record);  // counted; the stale-lock cleanup frees it
    } else {
      leases.release(record);
    }
    count(w.end.summary, outcome);
    all_empty = all_empty && outcome.end == ChainEnd::skipped;
    if (record.trigger == Trigger::backfill && ends_window(outcome.end))
      w.unsettled.push_back(record);
    if (outcome.end != ChainEnd::store_error) return;
    go_on = false;
    if (outcome.connection_lost) lost(record, Error{ErrorKind::retryable, outcome.message, true});
  };
  const auto take_ends = [&] {
    for (const auto& e : w.ends.take_ended()) finished(e.record, e.outcome);
    for (const auto& record : w.ends.take_lost()) {
      leases.release(record);
      lost(record, *w.ends.lost_error());
    }
  };
  for (std::size_t i = 0; i < claimed.size(); ++i) {
    const store::Record& record = claimed[i];
    // Draining, or the database gone: the windows not started yet are given back.
    if (!go_on || (i > 0 && !source.keep_claiming())) {
      leases.release(record);
      unstarted.push_back(record);
      continue;
    }
    // The claim walks under the one set whose fingerprint this worker sent (0020 locks it
    // against a reload's store), so this is a defence: a window of a pipeline the worker does
    // not have is given back as not started rather than run without its pipeline.
    const PipelineRuntime* runtime = pipelines.find(record.pipeline);
    if (runtime == nullptr) {
      observe::logger("claims")->warn(
          "{} claimed for a pipeline this worker does not have: given back",
          observe::window_context(record.pipeline, record.window, record.run));
      leases.release(record);
      unstarted.push_back(record);
      continue;
    }
    const ChainOutcome outcome = w.chain.run(record, *runtime, *held[i], &w.ends, &ahead);
    take_ends();  // the ends written before this window's own writes
    if (outcome.deferred) continue;
    finished(record, outcome);
    ahead.forget();  // counted before this window's run: stale
  }
  w.ends.flush();
  take_ends();
  if (!unstarted.empty()) {
    if (w.end.store_error) {
      w.end.unfinished.insert(w.end.unfinished.end(), unstarted.begin(), unstarted.end());
    } else if (auto released =
                   release_windows(records, unstarted, "released: its worker did not start it");
               !released) {
      lost(unstarted.front(), released.error());
      w.end.unfinished.insert(w.end.unfinished.end(), unstarted.begin() + 1, unstarted.end());
    }
  }
  settle(records, w, false);
  w.size.after(all_empty);
  return go_on;
}

}  // namespace

WorkerEnd claim_and_run(store::RecordStore& records, LeaseKeeper& leases,
                        const WorkerSource& source) {
  std::mt19937_64 random(std::random_device{}());
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  Chain chain(
      records,
      ChainClock{[] { return std::chrono::floor<Seconds>(std::chrono::system_clock::now()); },
                 [&] { return uniform(random); }});
  WorkerState w{
      .chain = chain, .ends = BatchedEnds(records), .size = {}, .unsettled = {}, .end = {}};
  while (source.keep_claiming()) {
    const auto pipelines = source.pipelines();
    auto claimed = records.claim_windows(pipelines->limits(), w.size.next());
    if (claimed && !same_backlog(*claimed, w)) settle(records, w, true);
    if (!claimed) {
      // A claim the database refuses is no outage: this worker stops, the next wake-up
      // (poll, notification) tries again, and no other pipeline waits for a reconnect.
      if (claimed.error().connection_lost) {
        w.end.store_error = claimed.error();
      } else {
        observe::logger("claims")->error("claiming a window: {}", claimed.error().message);
        ++w.end.summary.store_errors;
      }
      break;
    }
    if (claimed->empty()) break;
    if (!run_claimed(records, leases, source, *pipelines, *claimed, w)) break;
  }
  if (!w.end.store_error) settle(records, w, true);
  return std::move(w.end);
}

WorkerEnd run_worker(std::unique_ptr<store::RecordStore>& records, const OpenStore& open,
                     LeaseKeeper& leases, const WorkerSource& source) {
  WorkerEnd end;
  for (int fresh = 0;; ++fresh) {
    if (!records) {
      auto opened = open();
      if (!opened) {
        end.store_error = opened.error();
        break;
      }
      records = std::move(*opened);
    }
    auto part = claim_and_run(*records, leases, source);
    end.summary += part.summary;
    if (!part.store_error) break;
    records.reset();
    end.unfinished.insert(end.unfinished.end(), part.unfinished.begin(), part.unfinished.end());
    if (fresh == 1) {
      end.store_error = part.store_error;
      break;
    }
    auto opened = open();
    if (!opened) {
      end.store_error = part.store_error;
      break;
    }
    records = std::move(*opened);
    if (!release_windows(*records, end.unfinished,
                         "released: its write failed on a lost connection")) {
      records.reset();
      end.store_error = part.store_error;
      break;
    }
    end.unfinished.clear();
  }
  return end;
}

Result<std::int64_t> release_windows(store::RecordStore& records,
                                     std::span<const store::Record> windows, std::string_view why) {
  const auto log = observe::logger("claims");
  std::int64_t released = 0;
  for (const auto& record : windows) {
    store::TaskWrite w;
    w.task = store::Task::store_and_validate;
    w.status = store::TaskStatus::released;
    w.outcome = store::Outcome::released;
    w.move = store::Move::release;
    w.message = std::string(why);
    auto done = records.write_task(record, w);
    if (!done && done.error().connection_lost) return fail(done.error());
    if (!done) {
      log->error("releasing record {}: {}", record.id.value, done.error().message);
      continue;
    }
    released += *done ? 1 : 0;
  }
  if (!windows.empty()) log->info("{} of {} window(s) {}", released, windows.size(), why);
  return released;
}

Result<std::int64_t> Runner::generate(Instant now) {
  auto connection = store::connect(options_.database_url);
  if (!connection) return fail(connection.error());
  store::Records records(**connection, options_.holder);
  const auto report = generate_all(
      records, pipelines_, now, {.batch = options_.generate_batch, .budget = {}, .keep_going = {}});
  // Every pipeline generated what it could; the run reports the first that could not.
  if (report.lost) return fail(*report.lost);
  if (!report.failed.empty()) return fail(report.failed.front().second);
  return report.created;
}

Result<store::CleanupReport> Runner::cleanup() {
  auto connection = store::connect(options_.database_url);
  if (!connection) return fail(connection.error());
  store::Records records(**connection, options_.holder);
  auto policy = options_.stale;
  if (policy.limits.empty()) policy = stale_policy(pipelines_, policy.fallback.threshold);
  return free_stale_locks(records, policy);
}

RunSummary Runner::drain() {
  const auto log = observe::logger("scheduler");
  LeaseKeeper leases(options_.database_url, options_.holder, options_.heartbeat_interval);
  const WorkerSource source{[this] { return claimable_; },
                            [this] { return !(options_.stop && options_.stop->load()); }};
  std::mutex mutex;
  RunSummary summary;
  auto worker = [&](int index) {
    auto connection = store::connect(options_.database_url);
    if (!connection) {
      log->error("worker {} cannot connect: {}", index, connection.error().message);
      std::lock_guard lock(mutex);
      ++summary.store_errors;
      return;
    }
    store::Records records(**connection, options_.holder);
    const WorkerEnd end = claim_and_run(records, leases, source);
    if (end.store_error) log->error("worker {}: {}", index, end.store_error->message);
    std::lock_guard lock(mutex);
    summary += end.summary;
    if (end.store_error && end.unfinished.empty()) ++summary.store_errors;
  };
  std::vector<std::thread> threads;
  threads.reserve(static_cast<std::size_t>(options_.workers));
  for (int i = 0; i < options_.workers; ++i) threads.emplace_back(worker, i);
  for (auto& t : threads) t.join();
  return summary;
}

Result<std::int64_t> Runner::sweep_stage() {
  auto connection = store::connect(options_.database_url);
  if (!connection) return fail(connection.error());
  return tasks::sweep_stage(**connection, pipelines_, {options_.keep_failed});
}

Result<RunSummary> Runner::run_once(Instant now) {
  auto expired = cleanup();
  if (!expired) return fail(expired.error());
  auto generated = generate(now);
  if (!generated) return fail(generated.error());
  RunSummary summary = drain();
  summary.generated = *generated;
  summary.expired = expired->returned_to_pending + expired->failed;
  auto swept = sweep_stage();
  if (!swept) return fail(swept.error());
  summary.swept = *swept;
  return summary;
}

}  // namespace sluice::tasks
