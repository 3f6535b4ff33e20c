// The daemon's answers to SIGTERM/SIGINT (drain) and SIGHUP (reload).
#include <signal.h>

#include <csignal>
#include <cstdlib>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <xxhash.h>
#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include "daemon/sluiced/daemon.hpp"
#include "daemon/sluiced/systemd.hpp"
#include "framework/config/load.hpp"
#include "framework/notify/outbox.hpp"
#include "framework/observe/log.hpp"
#include "framework/store/catalog.hpp"

namespace sluice::daemon {
namespace {

volatile std::sig_atomic_t g_early_reload = 0;

extern "C" void note_reload(int) {
  g_early_reload = 1;
}

}  // namespace

void note_early_reloads() {
  struct sigaction noted {};
  noted.sa_handler = note_reload;
  sigemptyset(&noted.sa_mask);
  sigaction(SIGHUP, &noted, nullptr);
}

// The signal set's handler replaced note_reload when the Daemon was made: a SIGHUP raised now
// reaches on_signal once the loop runs.
void Daemon::reload_if_asked_early() {
  if (g_early_reload == 0) return;
  g_early_reload = 0;
  observe::logger("scheduler")->info("SIGHUP during start-up: reloading once running");
  std::raise(SIGHUP);
}

void Daemon::on_signal(int signal) {
  signals_.async_wait([this](const boost::system::error_code& ec, int next) {
    if (!ec) on_signal(next);
  });
  if (signal == SIGHUP) {
    if (draining_) return;
    systemd::reloading();
    return reload("SIGHUP");
  }
  if (draining_) {
    observe::logger("scheduler")
        ->warn("signal {} while draining: releasing running windows now", signal);
    return drain_deadline();
  }
  drain();
}

void Daemon::drain() {
  draining_ = true;
  stopping_ = true;  // a long duty (a large backfill) stops at its next batch
  claiming_ = false;
  systemd::stopping();
  for (auto* t : {&poll_timer_, &cleanup_timer_, &retention_timer_, &backfill_timer_,
                  &reconnect_timer_, &listen_timer_})
    t->cancel();
  cron_timer_.cancel();
  cron_fires_ = {};
  listener_.stop();
  const auto timeout = state()->config.daemon.drain_timeout;
  observe::logger("scheduler")
      ->info(
          "draining: no new claims; {} running window(s) may finish within {}, then their locks "
          "are released",
          leases_.running(), time::to_string(timeout));
  publish_status();
  if (workers_running_ == 0) return finish();
  drain_timer_.expires_after(time::timer_wait(timeout));
  drain_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) drain_deadline();
  });
}

// Running windows are given up: their workers write nothing more (the lease flag), and their
// records go back to PENDING at once (fenced by run ID) so another host takes them without
// waiting for the stale threshold.
void Daemon::drain_deadline() {
  auto abandoned = leases_.abandon_all();
  const auto log = observe::logger("scheduler");
  log->warn("drain deadline: releasing {} running window(s) for another host", abandoned.size());
  boost::asio::post(control_pool_, [this, abandoned = std::move(abandoned), log] {
    Result<void> released = {};
    if (!control_connection_ || !control_connection_->is_open()) {
      auto opened = store::connect(options_.database_url, {"sluiced", 5});
      if (opened)
        control_connection_ = std::move(*opened);
      else
        released = fail(opened.error());
    }
    if (released)
      released = release(*control_connection_, abandoned, "released on drain: deadline reached");
    if (!released)
      log->error("cannot release {} window(s): {}; they return after the stale threshold",
                 abandoned.size(), released.error().message);
    boost::asio::post(io_, [this] {
      if (workers_running_ == 0) return finish();
      // A worker still inside an adapter call cannot be joined; its window is released and
      // its writes are fenced off, so leaving now loses nothing.
      observe::logger("scheduler")
          ->info("sluiced stopped ({} worker(s) abandoned)", workers_running_);
      spdlog::apply_all([](const std::shared_ptr<spdlog::logger>& l) { l->flush(); });
      std::_Exit(0);
    });
  });
}

void Daemon::finish() {
  drain_timer_.cancel();
  listener_.stop();
  notifier_.stop();  // a message on the wire finishes; the rest waits in the outbox
  if (http_) http_->stop();
  // Windows whose write failed while the database was away: released before leaving (the
  // control pool is joined after the loop stops) rather than left for the stale threshold.
  if (!unfinished_.empty()) {
    down_ = false;
    auto records = std::move(unfinished_);
    unfinished_.clear();
    control(
        "release on exit",
        [this, records](auto& c) { return release(c, records, "released on drain"); },
        Duty::essential);
  }
  observe::logger("scheduler")
      ->info("drained: {} success, {} skipped, {} failed, {} retry scheduled, {} released this run",
             totals_.success, totals_.skipped, totals_.failed, totals_.retries, totals_.released);
  io_.stop();
}

void Daemon::reload(const std::string& why) {
  if (draining_) return;
  observe::logger("scheduler")
      ->info("{}: reloading {} and the catalog", why, options_.config_file.string());
  boost::asio::post(control_pool_, [this] {
    reload_queued_ = false;  // a change from here on is read by another reload
    auto loaded = std::make_shared<decltype(load_state(options_.config_file))>(
        load_state(options_.config_file, last_loaded_.get(), &catalog_access_));
    if (*loaded) last_loaded_ = **loaded;
    boost::asio::post(io_, [this, loaded] {
      if (!*loaded) {
        const auto log = observe::logger("scheduler");
        log->error("reload refused, the running config stays: {}",
                   loaded->error().empty() ? "" : loaded->error().back());
        for (const auto& line : loaded->error()) log->error("  {}", line);
      } else {
        apply(**loaded);
      }
      systemd::ready();
      publish_status();
    });
  });
}

void Daemon::catalog_changed() {
  if (draining_ || reload_queued_.exchange(true)) return;
  reload("catalog changed");
}

// The fallback when notifications are lost: a change made meanwhile is seen at the next poll.
Result<void> Daemon::poll_catalog(store::Connection& c) {
  auto seq = store::Catalog(c).last_change();
  if (!seq) return fail(seq.error());
  if (*seq != state()->catalog_seq) boost::asio::post(io_, [this] { catalog_changed(); });
  return {};
}

void Daemon::apply(const std::shared_ptr<const State>& next) {
  const auto log = observe::logger("scheduler");
  const auto before = state();
  const StateDiff d = diff(*before, *next);
  if (next->config.daemon.workers != max_workers_)
    log->warn("workers: {} takes effect at the next restart ({} now)", next->config.daemon.workers,
              max_workers_);
  {
    std::lock_guard lock(state_mutex_);
    state_ = next;
  }
  observe::init_logging(next->config.daemon.log);
  log->info("config reloaded: {}", d.describe());
  // The console's pages refresh a pipeline when the daemon runs its new definition, not when
  // the catalog stored it (its own NOTIFY comes before the reload).
  if (http_)
    for (const auto* list : {&d.added, &d.removed, &d.changed})
      for (const auto& id : *list)
        http_->publish("change", nlohmann::json{{"kind", "pipeline"}, {"pipeline", id}}.dump(
                                     -1, ' ', false, nlohmann::json::error_handler_t::replace));
  update_notifier();
  on_quarantined(next->config.quarantined);
  start_timers();
  Runtimes fresh;
  for (const auto& runtime : next->active) {
    const auto& id = runtime->id.value;
    for (const auto* list : {&d.added, &d.unpaused, &d.changed})
      if (std::find(list->begin(), list->end(), id) != list->end()) {
        fresh.push_back(runtime);
        break;
      }
  }
  // Named by its pipelines: a second reload's different set is not coalesced away.
  std::string what = "generate after reload:";
  for (const auto& runtime : fresh) what += " " + runtime->id.value;
  if (!fresh.empty()) control(what, [this, fresh](auto& c) { return generate(c, fresh); });
  control("register pipelines", [this](auto& c) { return register_pipelines(c); });
  wake("reload");
}

void Daemon::on_quarantined(const std::vector<config::Quarantined>& quarantined) {
  constexpr std::size_t kListed = 10;  // a file may hold dozens; `validate` lists them all
  const auto log = observe::logger("config");
  for (const auto& q : quarantined) {
    std::string more;
    for (std::size_t i = 1; i < q.errors.size() && i <= kListed; ++i)
      more += "; " + config::to_string(q.errors[i]);
    if (q.errors.size() > kListed + 1)
      more += fmt::format("; and {} more (sluicectl validate)", q.errors.size() - kListed - 1);
    log->warn("pipeline={} {}: {}{}", q.pipeline.value,
              q.kept_previous ? "not reloaded" : "quarantined, not scheduled",
              config::config_error_text(q), more);
  }
  if (quarantined.empty()) return;
  // Told once per pipeline and error (the outbox's dedupe key), however many daemons load
  // the same broken file and however often they reload it.
  std::vector<std::pair<std::string, std::string>> told;
  for (const auto& q : quarantined) {
    std::string text = config::config_error_text(q);
    if (q.kept_previous) text += " (the previous definition keeps running until it is fixed)";
    told.emplace_back(q.pipeline.value, std::move(text));
  }
  control("notify config errors", [this, told](store::Connection& c) -> Result<void> {
    std::shared_ptr<const notify::Directory> directory;
    {
      std::lock_guard lock(state_mutex_);
      directory = directory_;
    }
    if (!directory) return {};
    notify::Outbox outbox(c, options_.holder);
    for (const auto& [pipeline, text] : told) {
      const auto hash = XXH3_64bits(text.data(), text.size());
      auto r = outbox.record_config_error(*directory, pipeline, text, fmt::format("{:016x}", hash));
      if (!r) return fail(r.error());
    }
    return {};
  });
}

}  // namespace sluice::daemon
