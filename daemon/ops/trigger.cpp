#include "daemon/ops/trigger.hpp"

#include <pqxx/pqxx>

#include "framework/store/errors.hpp"
#include "framework/store/params.hpp"
#include "framework/store/records.hpp"
#include "framework/time/window_generator.hpp"
#include "tasks/runner.hpp"
#include "tasks/runtime_from_config.hpp"

namespace sluice::ops {
namespace {

using Kind = Refusal::Kind;

// How far back "the newest due window" is looked for: a year of minutes is more than any
// x_time_back holds.
constexpr int kMaxSteps = 600'000;
constexpr std::size_t kGenerateBatch = 1000;

Outcome<Window> window_at(const time::WindowSpec& spec, Instant at, Instant now) {
  const Instant start = time::floor_boundary(spec, at);
  const Window w{start, time::next_boundary(spec, start)};
  if (w.start < spec.start)
    return refused(Kind::bad_input, "window",
                   "the pipeline's windows start at " + format_utc(spec.start) + "; " +
                       format_utc(at) + " is before");
  if (spec.end && w.end > *spec.end)
    return refused(Kind::bad_input, "window",
                   "the pipeline's windows end at " + format_utc(*spec.end) + "; " +
                       format_utc(at) + " is after");
  if (!time::is_due(spec, w, now))
    return refused(Kind::conflict, "window",
                   "window " + to_string(w) + " is not complete yet: it is due after its end" +
                       " and the pipeline's x_time_back");
  return w;
}

Outcome<Window> newest_due(const time::WindowSpec& spec, Instant now) {
  Instant end = time::floor_boundary(spec, now);
  if (spec.end && end > *spec.end) end = time::floor_boundary(spec, *spec.end);
  for (int i = 0; i < kMaxSteps && end > spec.start; ++i) {
    const Window w{time::floor_boundary(spec, end - Seconds{1}), end};
    if (w.start < spec.start) break;
    if (time::is_due(spec, w, now)) return w;
    end = w.start;
  }
  return refused(Kind::conflict, "window", "the pipeline has no complete window yet");
}

Triggered act(pqxx::work& tx, const tasks::PipelineRuntime& runtime, const Window& w,
              const store::AuditEntry& audit, const std::string& host) {
  Triggered t;
  t.window = w;
  const auto fresh = tasks::new_records(runtime, std::span(&w, 1), Trigger::manual);
  const bool created = store::insert_pending_in(tx, fresh) == 1;
  const auto row =
      store::exec_with(tx,
                       "SELECT id, pipeline_status FROM pipeline_records "
                       "WHERE pipeline_id = $1 AND window_start_time = "
                       "to_timestamp($2::bigint) FOR UPDATE",
                       {runtime.id.value, std::to_string(w.start.time_since_epoch().count())});
  t.record = row[0][0].as<std::int64_t>();
  const std::string status = row[0][1].as<std::string>();
  if (created) {
    t.action = Triggered::Action::created;
  } else if (status == "IN_PROGRESS") {
    t.action = Triggered::Action::running;
  } else if (status == "PENDING") {
    t.action = Triggered::Action::queued;
    store::exec_with(tx,
                     "UPDATE pipeline_records SET trigger = 'manual', next_attempt_at = now() "
                     "WHERE id = $1::bigint AND pipeline_status = 'PENDING'",
                     {std::to_string(t.record)});
  } else {
    t.action = Triggered::Action::reset;
    store::RecordSelection one;
    one.ids = {t.record};
    store::rerun_in(tx, one, Trigger::manual, "run now by " + audit.actor, host);
  }
  store::AuditEntry a = audit;
  a.arguments["window_start"] = format_utc(w.start);
  a.arguments["window_end"] = format_utc(w.end);
  a.arguments["record"] = t.record;
  a.message = std::string(to_string(t.action));
  const bool changed = t.action != Triggered::Action::running;
  store::audit_in(tx, a, changed ? 1 : 0);
  return t;
}

}  // namespace

std::string_view to_string(Triggered::Action a) {
  switch (a) {
    case Triggered::Action::created: return "created";
    case Triggered::Action::reset: return "reset";
    case Triggered::Action::queued: return "queued";
    case Triggered::Action::running: return "running";
  }
  return "?";
}

Outcome<Triggered> trigger_window(store::Connection& connection, const config::Config& config,
                                  const config::PipelineConfig& pipeline, std::optional<Instant> at,
                                  Instant now, const store::AuditEntry& audit,
                                  const std::string& host) {
  const auto& spec = pipeline.window;
  auto w = at ? window_at(spec, *at, now) : newest_due(spec, now);
  if (!w) return tl::unexpected(w.error());
  auto runtime = tasks::runtime_from_config(config, pipeline);
  if (!runtime) return store_failed(runtime.error());
  // As the next cron tick would: every due window before this one exists, so the schedule
  // (which resumes after the newest record) leaves no hole behind a manual one.
  store::Records records(connection, host);
  if (auto made = tasks::generate_due(records, **runtime, now, kGenerateBatch); !made)
    return store_failed(made.error());
  auto done = store::attempt("running a window now", [&] {
    pqxx::work tx(connection);
    auto t = act(tx, **runtime, *w, audit, host);
    tx.commit();
    return t;
  });
  if (!done) return store_failed(done.error());
  return *done;
}

}  // namespace sluice::ops
