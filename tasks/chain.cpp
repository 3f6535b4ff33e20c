#include "tasks/chain.hpp"

#include <chrono>

#include <fmt/format.h>

#include "framework/observe/log.hpp"
#include "framework/observe/metrics.hpp"
#include "framework/time/duration.hpp"
#include "tasks/task.hpp"

namespace sluice::tasks {
namespace {

using Clock = std::chrono::steady_clock;

// The task boundary: whatever a task throws becomes a recorded error, never an escape.
template <class F>
auto guarded(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::exception& e) {
    return fail(Error::permanent(std::string("unexpected error: ") + e.what()));
  } catch (...) {
    return fail(Error::permanent("unexpected error of unknown type"));
  }
}

store::TaskWrite failure_write(store::Task task, const Error& error, const store::Record& record,
                               const PipelineRuntime& pipeline, const ChainClock& clock) {
  store::TaskWrite w;
  w.task = task;
  w.status = store::TaskStatus::failed;
  w.message = std::string(to_string(error.kind)) + ": " + error.message;
  const int next_attempt = record.retry_attempt + 1;
  if (error.kind == ErrorKind::retryable && next_attempt <= pipeline.max_retries) {
    w.outcome = store::Outcome::retry;
    w.move = store::Move::retry;
    w.retry_delay = backoff_delay(pipeline.backoff, next_attempt, clock.jitter());
  } else {
    w.outcome = store::Outcome::failed;
    w.move = store::Move::fail;
    if (error.kind == ErrorKind::retryable)
      w.message += " (retries used up: " + std::to_string(pipeline.max_retries) + ")";
  }
  return w;
}

// What is written when the database refused a task's write: the task's outcome is lost, so
// the window fails with the refusal (or is retried, counting the attempt, when the refusal
// is transient: a deadlock, a lock or statement timeout), in a write with nothing else.
store::TaskWrite refused_write(const store::TaskWrite& refused, const Error& error,
                               const store::Record& record, const PipelineRuntime& pipeline,
                               const ChainClock& clock) {
  std::string message = "cannot record " + std::string(store::to_string(refused.task)) + " " +
                        std::string(store::to_string(refused.outcome)) + ": " + error.message;
  if (!refused.message.empty()) message += "; its message was: " + refused.message;
  store::TaskWrite w =
      failure_write(refused.task, Error{error.kind, std::move(message)}, record, pipeline, clock);
  w.elapsed = refused.elapsed;
  return w;
}

// The deadline a task runs under: the window's (from the claim to the end of the audit), or
// the task's own timeout from its start when that ends first.
struct TaskLimit {
  Clock::time_point at;
  std::chrono::milliseconds length;
  bool own = false;  // the task's `tasks.<task>.timeout`, not the pipeline's `timeout`
};

std::optional<TaskLimit> limit_of(store::Task task, const Timeouts& timeouts,
                                  const std::optional<TaskLimit>& window) {
  const auto it = timeouts.tasks.find(task);
  if (it == timeouts.tasks.end()) return window;
  const TaskLimit own{Clock::now() + it->second, it->second, true};
  if (window && window->at <= own.at) return window;
  return own;
}

// `timeout after 5s in source_to_stage (the pipeline's timeout)`.
std::string timeout_message(store::Task task, const TaskLimit& limit) {
  const auto ms = limit.length.count();
  const std::string length = ms % 1000 == 0 ? time::to_string(time::Duration{0, Seconds{ms / 1000}})
                                            : fmt::format("{}ms", ms);
  const std::string name(store::to_string(task));
  return "timeout after " + length + " in " + name +
         (limit.own ? " (tasks." + name + ".timeout)" : " (the pipeline's timeout)");
}

ChainEnd end_of(store::Move move) {
  switch (move) {
    case store::Move::succeed: return ChainEnd::success;
    case store::Move::skip: return ChainEnd::skipped;
    case store::Move::retry: return ChainEnd::retry_scheduled;
    case store::Move::release: return ChainEnd::released;
    default: return ChainEnd::failed;
  }
}

}  // namespace

namespace {

// The task's time, and the rows it moved: counted by source->stage (read from the source)
// and stage->target (loaded into the target).
void record_task_metrics(const std::string& pipeline, const store::TaskWrite& w) {
  auto& m = observe::metrics();
  m.task_finished(store::to_string(w.task), std::chrono::duration<double>(w.elapsed).count());
  if (w.rows && w.outcome == store::Outcome::success) {
    if (w.task == store::Task::source_to_stage) m.rows_moved(pipeline, "source_to_stage", *w.rows);
    if (w.task == store::Task::stage_to_target) m.rows_moved(pipeline, "stage_to_target", *w.rows);
  }
}

}  // namespace

std::string_view to_string(ChainEnd end) {
  switch (end) {
    case ChainEnd::success: return "SUCCESS";
    case ChainEnd::skipped: return "SKIPPED";
    case ChainEnd::failed: return "FAILED";
    case ChainEnd::retry_scheduled: return "RETRY";
    case ChainEnd::released: return "RELEASED";
    case ChainEnd::lock_lost: return "LOCK_LOST";
    case ChainEnd::store_error: return "STORE_ERROR";
  }
  return "UNKNOWN";
}

void record_deferred_end(const store::Record& record, const store::TaskWrite& write, bool written,
                         Clock::time_point started) {
  auto& m = observe::metrics();
  const std::string& id = record.pipeline.value;
  const std::string where = observe::window_context(record.pipeline, record.window, record.run);
  if (written) {
    observe::logger("chain")->debug("{} {} {} in {} ms", where, to_string(write.task),
                                    to_string(write.outcome), write.elapsed.count() / 1000);
    record_task_metrics(id, write);
  } else {
    observe::logger("chain")->warn("{} lock lost before {} was recorded: nothing written", where,
                                   to_string(write.task));
    m.lease_lost(id);
  }
  m.window_finished(id, to_string(written ? ChainEnd::skipped : ChainEnd::lock_lost),
                    std::chrono::duration<double>(Clock::now() - started).count());
}

ChainOutcome Chain::run(const store::Record& record, const PipelineRuntime& pipeline, Lease& lease,
                        EndWrites* ends, CountsAhead* ahead) {
  const auto started = Clock::now();
  ChainOutcome outcome = run_tasks(record, pipeline, lease, ends, ahead);
  if (outcome.deferred) return outcome;  // its metrics when its write is made
  auto& m = observe::metrics();
  const std::string& id = record.pipeline.value;
  if (outcome.end == ChainEnd::lock_lost) m.lease_lost(id);
  if (outcome.end == ChainEnd::retry_scheduled) m.retried(id);
  m.window_finished(id, to_string(outcome.end),
                    std::chrono::duration<double>(Clock::now() - started).count());
  return outcome;
}

ChainOutcome Chain::run_tasks(const store::Record& record, const PipelineRuntime& pipeline,
                              Lease& lease, EndWrites* ends, CountsAhead* ahead) {
  const std::atomic<bool>& lost = lease.lost;
  const auto log = observe::logger("chain");
  const std::string where = observe::window_context(record.pipeline, record.window, record.run);
  const auto started = Clock::now();
  // The record as the tasks have written it so far: a later task of this run reads the counts
  // an earlier one recorded (an append's audit, the window's count before the load) as a
  // retried run reads them from the record.
  store::Record as_written = record;
  const TaskContext ctx{
      .record = as_written,
      .pipeline = pipeline,
      .window = adapters::WindowContext{record.pipeline, record.window, record.run,
                                        pipeline.windows.zone, &lease.deadline},
      .now = clock_.now(),
      .ahead = ahead};
  std::int64_t loaded_rows = 0;
  // Whether a write of this run has committed synchronously, flushing its claim's commit
  // (RecordStore::claim_windows) to disk.
  bool flushed = false;
  const std::optional<TaskLimit> window_limit =
      pipeline.timeouts.window
          ? std::optional<TaskLimit>(
                TaskLimit{started + *pipeline.timeouts.window, *pipeline.timeouts.window})
          : std::nullopt;
  const auto window_deadline = [&] {
    return window_limit ? std::optional(window_limit->at) : std::nullopt;
  };
  lease.deadline.set(window_deadline());
  // Declared before whatever may still wait on a call when run() returns (the streamed load,
  // the audit's source count): the watchdog outlives them and cancels those calls too.
  std::optional<Watchdog> watchdog;
  if (pipeline.timeouts.any()) watchdog.emplace(lease.deadline);

  // Writes a task's outcome fenced by the run ID. Returns the end of the chain, or nullopt
  // to go on with the next task.
  auto record_write = [&](store::TaskWrite w,
                          Clock::time_point task_start) -> std::optional<ChainOutcome> {
    w.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - task_start);
    if (pipeline.config_version) w.config_version = pipeline.config_version;
    if (lost.load())
      return ChainOutcome{ChainEnd::lock_lost,
                          "lease lost during " + std::string(to_string(w.task))};
    if (w.move) lease.ending = true;
    if (ends && w.task == store::Task::pre_validation && w.move == store::Move::skip) {
      ends->defer(record, w, started);
      return ChainOutcome{.end = ChainEnd::skipped, .message = w.message, .deferred = true};
    }
    if (ends) ends->flush();
    auto written = records_.write_task(record, w);
    if (!written && !written.error().connection_lost) {
      log->error("{} cannot record {}: {}", where, to_string(w.task), written.error().message);
      w = refused_write(w, written.error(), record, pipeline, clock_);
      written = records_.write_task(record, w);
    }
    if (!written) {
      log->error("{} cannot record {}: {}", where, to_string(w.task), written.error().message);
      return ChainOutcome{ChainEnd::store_error, written.error().message, loaded_rows,
                          written.error().connection_lost};
    }
    if (!*written) {
      log->warn("{} lock lost before {} was recorded: stopping without writing", where,
                to_string(w.task));
      return ChainOutcome{ChainEnd::lock_lost, "lock taken over"};
    }
    flushed = true;
    if (w.source_count) as_written.source_count = w.source_count;
    if (w.target_count) as_written.target_count = w.target_count;
    log->debug("{} {} {} in {} ms", where, to_string(w.task), to_string(w.outcome),
               w.elapsed.count() / 1000);
    record_task_metrics(record.pipeline.value, w);
    if (!w.move) return std::nullopt;
    const ChainEnd end = end_of(*w.move);
    if (end == ChainEnd::failed || end == ChainEnd::retry_scheduled) {
      log->warn("{} {} after {}: {}", where, to_string(end), to_string(w.task), w.message);
    }
    return ChainOutcome{end, w.message, loaded_rows};
  };

  // `since`: when the task's work began, if before this call (a load streamed during
  // source->stage).
  auto run_task = [&](store::Task task, auto fn,
                      std::optional<Clock::time_point> since =
                          std::nullopt) -> std::optional<ChainOutcome> {
    if (lost.load()) return ChainOutcome{ChainEnd::lock_lost, "lease lost"};
    const auto task_start = since.value_or(Clock::now());
    const auto limit = limit_of(task, pipeline.timeouts, window_limit);
    lease.deadline.set(limit ? std::optional(limit->at) : std::nullopt);
    TaskResult result = limit && lease.deadline.passed()
                            ? TaskResult(fail(Error::retryable("not started: deadline passed")))
                            : guarded([&] { return fn(ctx); });
    // A task that ends past its deadline is a timeout whatever it returned: its calls were
    // cancelled, and what a cancelled call answered is not to be trusted.
    const bool timed_out = limit && lease.deadline.passed();
    lease.deadline.set(window_deadline());
    if (timed_out) {
      log->info("{} {} past its deadline: {}", where, to_string(task),
                result ? "it finished too late" : result.error().message);
      return record_write(failure_write(task, Error::retryable(timeout_message(task, *limit)),
                                        record, pipeline, clock_),
                          task_start);
    }
    if (!result)
      return record_write(failure_write(task, result.error(), record, pipeline, clock_),
                          task_start);
    if (task == store::Task::stage_to_target && result->rows) loaded_rows = *result->rows;
    return record_write(std::move(*result), task_start);
  };

  {
    const auto task_start = Clock::now();
    auto checked = guarded([&] { return store_and_validate(ctx, clock_.jitter()); });
    if (!checked) {
      if (auto end = record_write(failure_write(store::Task::store_and_validate, checked.error(),
                                                record, pipeline, clock_),
                                  task_start))
        return *end;
    } else if (*checked) {
      if (auto end = record_write(std::move(**checked), task_start)) return *end;
    }
  }

  auto remove_stage = [&] {
    if (auto removed = pipeline.stage->remove(ctx.window); !removed)
      log->warn("{} stage not cleaned: {}", where, removed.error().message);
  };
  store::Phase phase = record.phase;
  if (phase < store::Phase::pre_validation)
    if (auto end = run_task(store::Task::pre_validation, pre_validation)) {
      // Found loaded already: a stage left by an earlier run (a FAILED one rerun) is not needed.
      if (end->end == ChainEnd::skipped) remove_stage();
      return *end;
    }

  if (!pipeline.sql && phase >= store::Phase::source_to_stage &&
      phase < store::Phase::stage_to_target) {
    auto found = pipeline.stage->find(ctx.window);
    if (!found || !*found) {
      log->info("{} stage file gone (other host or wiped disk): redoing source->stage", where);
      phase = store::Phase::pre_validation;
    }
  }
  // The load fed while staging; leaving run() before stage->target commits it rolls it back.
  StreamedLoad streamed;
  const auto staging_start = Clock::now();
  if (phase < store::Phase::source_to_stage)
    if (auto end = run_task(store::Task::source_to_stage,
                            [&](const TaskContext& c) { return source_to_stage(c, &streamed); }))
      return *end;
  // A streamed load's commit mostly waits on the target: the audit's source count runs
  // meanwhile (the source is only read, so counting it now or after the commit is the same).
  std::future<Result<std::int64_t>> source_count;
  // Leaving with that count still running (the load failed or timed out) cancels it rather
  // than waiting for it: the run has ended.
  const struct CancelLeftover {
    Deadline& deadline;
    bool watched;
    ~CancelLeftover() {
      if (watched) deadline.set(Clock::now());
    }
  } cancel_leftover{lease.deadline, watchdog.has_value()};
  // A run resumed at stage->target has written nothing yet: before its load commits, its
  // lease renewal commits synchronously, so that no crash of the database can undo the claim
  // of a window whose rows are loaded.
  if (phase < store::Phase::stage_to_target && !flushed && !lost.load()) {
    auto renewed = records_.heartbeat(record);
    if (!renewed) {
      log->error("{} cannot renew its lease before the load: {}", where, renewed.error().message);
      return ChainOutcome{ChainEnd::store_error, renewed.error().message, 0,
                          renewed.error().connection_lost};
    }
    if (!*renewed) {
      log->warn("{} lock lost before the load: stopping without writing", where);
      return ChainOutcome{ChainEnd::lock_lost, "lock taken over"};
    }
  }
  if (phase < store::Phase::stage_to_target && streamed.load && !lost.load())
    source_count = start_source_count(ctx);
  if (phase < store::Phase::stage_to_target)
    if (auto end = run_task(
            store::Task::stage_to_target,
            [&](const TaskContext& c) { return stage_to_target(c, &streamed); },
            streamed.started() ? std::optional(staging_start) : std::nullopt))
      return *end;
  // A SQL pipeline without `sql.count` audits the rows it inserted.
  if (pipeline.sql && phase < store::Phase::stage_to_target)
    source_count = known_count(loaded_rows);
  auto end =
      run_task(store::Task::audit, [&](const TaskContext& c) { return audit(c, &source_count); });
  if (!end) end = ChainOutcome{ChainEnd::failed, "audit recorded no final status"};

  if (end->end == ChainEnd::success) {
    remove_stage();
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
    log->info("{} SUCCESS: {} rows in {} ms", where, end->rows, ms);
  }
  return *end;
}

}  // namespace sluice::tasks
