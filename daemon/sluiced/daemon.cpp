#include "daemon/sluiced/daemon.hpp"

#include <csignal>
#include <cstdlib>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include "daemon/sluiced/api_services.hpp"
#include "daemon/sluiced/systemd.hpp"
#include "framework/observe/log.hpp"
#include "framework/observe/metrics.hpp"
#include "framework/store/records.hpp"

namespace sluice::daemon {
namespace {

std::chrono::milliseconds ms(const time::Duration& d) {
  return time::timer_wait(d);
}

// Reconnect attempts back off from a quarter second to the poll interval (1 s to 30 s).
std::chrono::milliseconds backoff_cap(const State& s) {
  return std::clamp(ms(s.config.daemon.scheduler.poll_interval), std::chrono::milliseconds(1000),
                    std::chrono::milliseconds(30'000));
}

constexpr std::chrono::milliseconds kFirstRetry{250};
constexpr std::chrono::seconds kMetricsRefresh{10};

}  // namespace

Daemon::Daemon(DaemonOptions options, std::shared_ptr<const State> state)
    : options_(std::move(options)),
      state_(std::move(state)),
      last_loaded_(state_),
      catalog_access_{options_.database_url, options_.holder},
      cron_timer_(io_),
      poll_timer_(io_),
      cleanup_timer_(io_),
      retention_timer_(io_),
      backfill_timer_(io_),
      status_timer_(io_),
      watchdog_timer_(io_),
      reconnect_timer_(io_),
      listen_timer_(io_),
      drain_timer_(io_),
      metrics_timer_(io_),
      db_down_timer_(io_),
      signals_(io_, SIGINT, SIGTERM, SIGHUP),
      listener_(
          io_, control_pool_, options_.database_url,
          ListenerEvents{
              [this] { wake("notification"); },
              [this] { control("backfill requests", [this](auto& c) { return backfill(c); }); },
              [this](bool up, const std::string& why) { listener_state(up, why); },
              // The console's live updates: forwarded to its event streams as they come.
              [this](const std::string& payload) {
                if (http_) http_->publish("change", payload);
              },
              [this] { notifier_.wake(); }, [this] { catalog_changed(); }}),
      leases_(options_.database_url, options_.holder,
              ms(state_->config.daemon.scheduler.heartbeat_interval)),
      notifier_(options_.database_url, options_.holder) {
  max_workers_ = state_->config.daemon.workers;
  worker_pool_ = std::make_unique<boost::asio::thread_pool>(max_workers_);
}

Daemon::~Daemon() {
  control_pool_.join();
  worker_pool_->join();
}

std::shared_ptr<const State> Daemon::state() const {
  std::lock_guard lock(state_mutex_);
  return state_;
}

int Daemon::run() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
    if (!ec) on_signal(signal);
  });
  reload_if_asked_early();
  if (const auto period = systemd::watchdog_period())
    every(watchdog_timer_, *period, [] { systemd::watchdog(); });
  update_notifier();
  on_quarantined(state()->config.quarantined);
  start_timers();
  notifier_.start();
  listener_.start();
  if (const auto& http = state()->config.daemon.http; http.enabled) {
    http_ = std::make_unique<HttpServer>(
        io_,
        std::make_shared<ApiServices>([this] { return state(); }, options_.database_url,
                                      options_.holder,
                                      [] { return observe::metrics().exposition(); }),
        [](const std::string& route, int status, double seconds) {
          observe::metrics().http_answered(route, status, seconds);
        });
    http_->start(http);  // a listen that fails ends the start (the process edge reports it)
  } else {
    observe::logger("http")->info("HTTP API off (http.enabled: false)");
  }
  control("metrics", [this](auto& c) { return refresh_metrics(c); });
  control("register pipelines", [this](auto& c) { return register_pipelines(c); });
  control("startup catch-up", [this](store::Connection& c) -> Result<void> {
    if (auto r = cleanup(c); !r) return r;
    return generate(c, state()->active);
  });
  systemd::ready();
  publish_status();
  io_.run();
  return exit_code_;
}

void Daemon::every(Timer& timer, Clock::duration period, std::function<void()> duty) {
  timer.expires_after(period);
  timer.async_wait(
      [this, &timer, period, duty = std::move(duty)](const boost::system::error_code& ec) mutable {
        if (ec) return;
        if (draining_ && &timer != &watchdog_timer_ && &timer != &status_timer_) return;
        duty();
        every(timer, period, std::move(duty));
      });
}

// (Re)arms every periodic duty with the current config's periods; a pending wait is cancelled.
void Daemon::start_timers() {
  const auto s = state();
  const auto& scheduler = s->config.daemon.scheduler;
  every(poll_timer_, ms(scheduler.poll_interval), [this] {
    wake("poll");
    control("catalog poll", [this](auto& c) { return poll_catalog(c); });
  });
  every(backfill_timer_, ms(scheduler.poll_interval),
        [this] { control("backfill requests", [this](auto& c) { return backfill(c); }); });
  every(cleanup_timer_, ms(scheduler.stale_check_interval),
        [this] { control("stale-lock cleanup", [this](auto& c) { return cleanup(c); }); });
  every(status_timer_, std::chrono::seconds(2), [this] {
    control("backlog count", [this](auto& c) { return count_backlog(c); });
    publish_status();
  });
  // The per-pipeline gauges of /metrics: one query on a timer, not one per scrape.
  every(metrics_timer_, kMetricsRefresh,
        [this] { control("metrics", [this](auto& c) { return refresh_metrics(c); }); });
  const auto& retention = s->config.daemon.retention;
  if (retention.records || retention.events) {
    every(retention_timer_, ms(retention.interval),
          [this] { control("retention", [this](auto& c) { return this->retention(c); }); });
  } else {
    retention_timer_.cancel();
  }
  arm_crons();
}

void Daemon::wake(const char*) {
  if (!claiming_) return;
  if (workers_running_ >= max_workers_) {
    wake_pending_ = true;  // a worker that finds nothing right now looks again
    return;
  }
  wake_pending_ = false;
  while (workers_running_ < max_workers_) launch_worker();
}

void Daemon::launch_worker() {
  ++workers_running_;
  boost::asio::post(*worker_pool_, [this] {
    std::unique_ptr<store::RecordStore> records;
    {
      std::lock_guard lock(connections_mutex_);
      if (!idle_connections_.empty()) {
        records = std::move(idle_connections_.back());
        idle_connections_.pop_back();
      }
    }
    const tasks::WorkerSource source{[this] { return state()->claimable; },
                                     [this] { return claiming_.load(); }};
    const auto open = [this] {
      return store::open_records(options_.database_url, {"sluiced", 5}, options_.holder);
    };
    tasks::WorkerEnd end = tasks::run_worker(records, open, leases_, source);
    if (records && !end.store_error) {
      std::lock_guard lock(connections_mutex_);
      idle_connections_.push_back(std::move(records));
    }
    boost::asio::post(io_,
                      [this, end = std::move(end)]() mutable { worker_ended(std::move(end)); });
  });
}

void Daemon::worker_ended(tasks::WorkerEnd end) {
  --workers_running_;
  totals_ += end.summary;
  unfinished_.insert(unfinished_.end(), end.unfinished.begin(), end.unfinished.end());
  if (end.store_error) database_lost(end.store_error->message);
  if (draining_) {
    if (workers_running_ == 0) finish();
    return;
  }
  if (wake_pending_) wake("pending");
}

void Daemon::database_lost(const std::string& why) {
  if (database_down_ || draining_) return;
  observe::metrics().database_up(false);
  database_down_ = true;
  down_ = true;
  claiming_ = false;
  observe::logger("scheduler")
      ->error(
          "database unreachable ({}): claiming paused, running windows finish or are released; "
          "reconnecting",
          why);
  database_down_since_ = std::chrono::floor<Seconds>(std::chrono::system_clock::now());
  db_down_timer_.expires_after(
      std::chrono::seconds(state()->config.daemon.notifications.db_down_after));
  db_down_timer_.async_wait([this, why](const boost::system::error_code& ec) {
    if (!ec && database_down_ && !draining_) database_down_told(why);
  });
  reconnect_delay_ = kFirstRetry;
  reconnect_timer_.expires_after(reconnect_delay_);
  reconnect_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) probe_database();
  });
  publish_status();
}

void Daemon::probe_database() {
  boost::asio::post(control_pool_, [this] {
    auto opened = store::connect(options_.database_url, {"sluiced", 5});
    const bool ok = opened.has_value();
    if (ok) control_connection_ = std::move(*opened);
    boost::asio::post(io_, [this, ok] {
      if (ok) return database_back();
      if (draining_) return;
      reconnect_delay_ = std::min<Clock::duration>(reconnect_delay_ * 2, backoff_cap(*state()));
      reconnect_timer_.expires_after(reconnect_delay_);
      reconnect_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) probe_database();
      });
    });
  });
}

void Daemon::database_back() {
  observe::metrics().database_reconnected();
  observe::metrics().database_up(true);
  database_down_ = false;
  down_ = false;
  claiming_ = !draining_;
  observe::logger("scheduler")->info("database reachable again: claiming resumes");
  db_down_timer_.cancel();
  if (database_down_told_) {
    database_down_told_ = false;
    const auto now = std::chrono::floor<Seconds>(std::chrono::system_clock::now());
    notifier_.send_direct(
        {.kind = notify::EventKind::database_back,
         .message =
             fmt::format("{}: the database is reachable again after {}", options_.holder,
                         time::to_string(time::Duration{.fixed = now - database_down_since_})),
         .at = now});
  }
  if (!unfinished_.empty()) {
    auto records = std::move(unfinished_);
    unfinished_.clear();
    control(
        "release after the outage",
        [this, records](auto& c) {
          return release(c, records, "released: its write failed while the database was gone");
        },
        Duty::essential);
  }
  {
    std::lock_guard lock(connections_mutex_);
    idle_connections_.clear();  // they all died with the server
  }
  listener_.start();
  control("catch-up after the outage", [this](store::Connection& c) -> Result<void> {
    if (auto r = cleanup(c); !r) return r;
    return generate(c, state()->active);
  });
  wake("database back");
  publish_status();
}

void Daemon::listener_state(bool up, const std::string& why) {
  const auto log = observe::logger("scheduler");
  if (up) {
    listen_delay_ = kFirstRetry;
    if (listening_ != 1) log->info("notifications on: new work is seen at once");
    listening_ = 1;
    wake("listening");  // whatever appeared while nobody listened
    // The console's pages may have missed changes meanwhile: they read everything again.
    if (http_) http_->publish("resync", "{}");
    return;
  }
  if (listening_ != 0)
    log->warn("notifications unavailable ({}): polling every {} until they are back", why,
              time::to_string(state()->config.daemon.scheduler.poll_interval));
  listening_ = 0;
  if (draining_) return;
  listen_delay_ = listen_delay_ == Clock::duration{}
                      ? kFirstRetry
                      : std::min<Clock::duration>(listen_delay_ * 2, backoff_cap(*state()));
  listen_timer_.expires_after(listen_delay_);
  listen_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec && !draining_) listener_.start();
  });
}

void Daemon::publish_status() {
  const auto s = state();
  std::string text =
      fmt::format("{} pipeline(s), {} paused, {} running window(s), backlog {}", s->all.size(),
                  s->all.size() - s->active.size(), leases_.running(),
                  backlog_ < 0 ? std::string("unknown") : std::to_string(backlog_.load()));
  if (const auto n = s->config.quarantined.size()) text += fmt::format(", {} config error(s)", n);
  if (draining_)
    text += ", draining";
  else if (database_down_)
    text += ", database unreachable";
  else if (listening_ == 0)
    text += ", polling";
  systemd::status(text);
}

}  // namespace sluice::daemon
