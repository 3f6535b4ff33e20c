// The control pool's duties: one thread, one connection, each duty short and in its own
// statements so none holds locks that claims wait on.
#include <boost/asio/post.hpp>

#include "daemon/ops/pools.hpp"
#include "daemon/ops/views.hpp"
#include "daemon/sluiced/daemon.hpp"
#include "framework/config/show.hpp"
#include "framework/observe/log.hpp"
#include "framework/observe/metrics.hpp"
#include "framework/store/backfill.hpp"
#include "framework/store/database.hpp"
#include "framework/store/errors.hpp"
#include "framework/store/operator.hpp"
#include "framework/store/records.hpp"
#include "framework/store/registry.hpp"
#include "framework/store/retention.hpp"
#include "tasks/backfill.hpp"
#include "tasks/dependencies.hpp"
#include "tasks/scheduling.hpp"
#include "tasks/stage_sweep.hpp"

namespace sluice::daemon {
void Daemon::control(std::string what, std::function<Result<void>(store::Connection&)> duty,
                     Duty kind) {
  if (kind == Duty::coalesced) {
    std::lock_guard lock(duties_mutex_);
    const auto [state, fresh] = duties_.try_emplace(what);
    if (!fresh) {
      if (state->second.running) state->second.again = true;
      return;  // queued already: that run will see whatever this post was for
    }
  }
  boost::asio::post(control_pool_, [this, what = std::move(what), duty = std::move(duty), kind] {
    if (kind == Duty::essential) return run_duty(what, duty);
    {
      std::lock_guard lock(duties_mutex_);
      duties_[what].running = true;
    }
    if (!stopping_) run_duty(what, duty);
    bool again = false;
    {
      std::lock_guard lock(duties_mutex_);
      again = duties_[what].again && !stopping_;
      duties_.erase(what);
    }
    if (again) control(what, duty);  // behind whatever was queued meanwhile
  });
}

void Daemon::run_duty(const std::string& what,
                      const std::function<Result<void>(store::Connection&)>& duty) {
  if (down_) return;  // the reconnect probe brings the database back, then duties resume
  if (!control_connection_) {
    auto opened = store::connect(options_.database_url, {"sluiced", 5});
    if (!opened) {
      boost::asio::post(io_, [this, m = opened.error().message] { database_lost(m); });
      return;
    }
    control_connection_ = std::move(*opened);
  }
  auto done = duty(*control_connection_);
  if (done) return;
  // Only a lost connection is an outage; a duty the database refused (a data error, a
  // timeout) is logged and tried again at its next turn, while everything else goes on.
  if (done.error().connection_lost || !store::ping(*control_connection_)) {
    control_connection_.reset();
    boost::asio::post(io_, [this, m = done.error().message] { database_lost(m); });
  } else {
    observe::logger("scheduler")->error("{} failed: {}", what, done.error().message);
  }
}

// One failing pipeline (a generation error of its own) is logged and the others go on. A
// long catchup gets a second of the control thread per run and goes on behind the other
// duties (due again, at the next `cron tick`), so it never holds them up, nor a drain.
Result<void> Daemon::generate(store::Connection& c, const Runtimes& which) {
  store::Records records(c, options_.holder);
  const tasks::GenerateLimits limits{.batch = state()->config.daemon.scheduler.max_windows_per_tick,
                                     .budget = std::chrono::seconds(1),
                                     .keep_going = [this] { return !stopping_.load(); }};
  const Instant now = std::chrono::floor<Seconds>(std::chrono::system_clock::now());
  const auto report = tasks::generate_all(records, which, now, limits);
  if (!report.cut.empty()) {
    std::vector<std::string> cut;
    for (const auto& p : report.cut) cut.push_back(p->id.value);
    add_due(cut);
  }
  // The insert trigger notifies too; this covers a daemon whose LISTEN is down.
  if (report.created > 0) boost::asio::post(io_, [this] { wake("generated"); });
  if (report.lost) return fail(*report.lost);
  if (!report.failed.empty()) return fail(report.failed.back().second);
  return {};
}

Result<void> Daemon::cleanup(store::Connection& c) {
  const auto s = state();
  store::Records records(c, options_.holder);
  const auto policy = tasks::stale_policy(s->config);
  auto report = tasks::free_stale_locks(records, policy);
  if (!report) return fail(report.error());
  if (report->returned_to_pending + report->failed > 0)
    boost::asio::post(io_, [this] { wake("stale locks freed"); });
  auto orphans = tasks::release_orphans(records, leases_);
  if (!orphans) return fail(orphans.error());
  if (*orphans > 0) boost::asio::post(io_, [this] { wake("orphaned claims released"); });
  return tasks::sweep_stage(c, s->all, {s->config.daemon.stage.keep_failed}).map([](auto) {});
}

Result<void> Daemon::retention(store::Connection& c) {
  const auto& r = state()->config.daemon.retention;
  auto pruned = store::prune(c, store::RetentionPolicy{r.records, r.events, r.batch_size});
  if (!pruned) return fail(pruned.error());
  if (pruned->records + pruned->events > 0)
    observe::logger("retention")
        ->info("pruned {} finished record(s) and {} event(s)", pruned->records, pruned->events);
  // More to do: queue another round behind the other duties rather than hold the thread.
  if (pruned->more) control("retention", [this](auto& conn) { return retention(conn); });
  return {};
}

Result<void> Daemon::count_backlog(store::Connection& c) {
  std::vector<std::string> ids;
  for (const auto& p : state()->all) ids.push_back(p->id.value);
  auto n = store::count_pending(c, ids);
  if (!n) return fail(n.error());
  backlog_ = *n;
  return {};
}

Result<void> Daemon::register_pipelines(store::Connection& c) {
  std::shared_ptr<const State> s;
  std::shared_ptr<const notify::Directory> directory;
  {
    std::lock_guard lock(state_mutex_);
    s = state_;
    directory = directory_;
  }
  std::vector<store::PipelineRegistration> list;
  list.reserve(s->config.pipelines.size());
  for (const auto& p : s->config.pipelines)
    list.push_back(
        {p.id.value, config::pipeline_config_hash(p), p.stale_threshold.fixed,
         directory ? directory->kinds_of(p.id.value).names() : std::vector<std::string>{}});
  if (auto r = store::register_pipelines(c, list, options_.holder); !r) return fail(r.error());
  return tasks::register_dependencies(c, s->config);
}

void Daemon::update_notifier() {
  const auto s = state();
  std::vector<std::string> quarantined;
  for (const auto& q : s->config.quarantined) quarantined.push_back(q.pipeline.value);
  auto directory = std::make_shared<const notify::Directory>(s->config, std::move(quarantined));
  std::vector<std::pair<std::string, Seconds>> slas;
  for (const auto& p : s->config.pipelines)
    if (p.sla && !p.paused) slas.emplace_back(p.id.value, *p.sla);
  {
    std::lock_guard lock(state_mutex_);
    directory_ = directory;
  }
  notifier_.update(std::move(directory), std::move(slas));
}

// Sent directly, from this host: with the database gone there is no outbox, and no other
// daemon to ask. Each daemon that loses it says so once per outage, naming itself.
void Daemon::database_down_told(const std::string& why) {
  database_down_told_ = true;
  notifier_.send_direct(
      {.kind = notify::EventKind::database_down,
       .message = fmt::format("{}: the database has been unreachable since {} ({}); claiming is "
                              "paused until it is back",
                              options_.holder, format_utc(database_down_since_), why),
       .at = std::chrono::floor<Seconds>(std::chrono::system_clock::now())});
}

Result<void> Daemon::refresh_metrics(store::Connection& c) {
  const auto s = state();
  std::vector<std::string> ids;
  ids.reserve(s->config.pipelines.size());
  for (const auto& p : s->config.pipelines) ids.push_back(p.id.value);
  if (auto folded = store::fold_counts(c); !folded) return fail(folded.error());
  // The latencies' readers add what is not folded: a fold that fails costs them time, never
  // the metrics below.
  if (auto folded = store::fold_latency(c); !folded)
    observe::logger("metrics")->warn("the window latencies were not folded: {}",
                                     folded.error().message);
  store::Operator op(c, options_.holder);
  auto counts = op.counts(ids, {});  // the metrics show no waiting_on
  if (!counts) return fail(counts.error());
  const Instant now = std::chrono::floor<Seconds>(std::chrono::system_clock::now());
  std::vector<observe::PipelineSnapshot> pipelines;
  for (const auto& p : ops::pipeline_statuses(s->config, std::move(*counts), now)) {
    if (!p.pipeline) continue;  // a quarantined file of a loaded id: that one is counted
    const auto& n = p.counts;
    pipelines.push_back({.pipeline = n.pipeline,
                         .windows = {{"PENDING", n.pending},
                                     {"IN_PROGRESS", n.running},
                                     {"SUCCESS", n.success},
                                     {"SKIPPED", n.skipped},
                                     {"FAILED", n.failed}},
                         .last_success_end = n.last_success_end,
                         .lateness = p.lateness,
                         .sla = p.pipeline->sla});
  }
  observe::metrics().set_pipelines(pipelines);
  store::Backfills backfills(c, options_.holder);
  auto open = backfills.list(std::nullopt, true, 1000);
  if (!open) return fail(open.error());
  std::vector<observe::BackfillSnapshot> progress;
  for (const auto& b : *open)
    progress.push_back({.pipeline = b.pipeline.value,
                        .request = b.id,
                        .windows_total = b.windows_total.value_or(0),
                        .windows_done = b.windows_done});
  observe::metrics().set_backfills(progress);
  auto pools = ops::pool_views(c, s->config);
  if (!pools) return fail(pools.error());
  std::vector<observe::PoolSnapshot> use;
  for (const auto& p : *pools)
    use.push_back(
        {.pool = p.name, .size = p.size, .slots_used = p.use.slots_used, .waiting = p.use.waiting});
  observe::metrics().set_pools(use);
  return {};
}

Result<void> Daemon::release(store::Connection& c, const std::vector<store::Record>& records,
                             std::string_view why) {
  store::Records store(c, options_.holder);
  return tasks::release_windows(store, records, why).map([](auto) {});
}

// Backfill requests (the trigger flag of backfill_requests), woken by `sluice_backfill`
// notifications or the poll: their windows are created or reset here and then claimed like
// any other, under each pipeline's backfill limit. A few batches per run, then the duty
// posts itself again behind the other duties, so cron ticks and cleanup go on during a
// large request and a drain stops it between batches.
Result<void> Daemon::backfill(store::Connection& c) {
  constexpr int kBatchesPerRun = 2;
  const Instant now = std::chrono::floor<Seconds>(std::chrono::system_clock::now());
  const auto s = state();
  tasks::BackfillOptions options;
  options.holder = options_.holder;
  options.max_batches = kBatchesPerRun;
  options.max_windows = s->config.daemon.scheduler.backfill_max_windows;
  options.stop = [this] { return stopping_.load(); };
  auto pass = tasks::process_backfill_requests(c, s->active, now, options);
  if (!pass) return fail(pass.error());
  if (pass->more && !stopping_)
    control("backfill requests", [this](auto& conn) { return backfill(conn); });
  if (!pass->taken.empty() || pass->finished > 0) {
    observe::logger("backfill")
        ->info("backfill: {} request(s) taken, {} finished", pass->taken.size(), pass->finished);
  }
  // Windows created by this run's batches may be claimed at once.
  if (pass->batches > 0 || pass->finished > 0) boost::asio::post(io_, [this] { wake("backfill"); });
  return {};
}

}  // namespace sluice::daemon
