#include "daemon/sluiced/app.hpp"

#include <systemd/sd-daemon.h>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>
#include <boost/asio.hpp>

#include "framework/config/database_url.hpp"
#include "framework/config/load.hpp"
#include "framework/config/show.hpp"
#include "framework/observe/log.hpp"
#include "framework/store/database.hpp"
#include "framework/store/migrations.hpp"
#include "framework/store/records.hpp"
#include "framework/time/window_generator.hpp"
#include "tasks/runner.hpp"
#include "tasks/runtime_from_config.hpp"

namespace sluice::daemon {
namespace {

Instant now_utc() { return std::chrono::floor<Seconds>(std::chrono::system_clock::now()); }

// What an operator wants to read at start: each pipeline, when it next looks, what is due.
void log_pipelines(const config::Config& config, store::Connection& connection) {
  const auto log = observe::logger("scheduler");
  const Instant now = now_utc();
  store::Records records(connection, "sluiced");
  for (const auto& p : config.pipelines) {
    const auto next = p.cron.next_fire(now, p.zone);
    std::optional<Instant> last;
    if (auto found = records.last_window_end(p.id)) {
      last = *found;
    } else {
      log->warn("pipeline={} cannot read its last window: {}", p.id.value, found.error().message);
    }
    const auto due = time::due_windows(p.window, last, now, 100000);
    std::string span = due.empty() ? "none" : to_string(Window{due.front().start, due.back().end});
    log->info("pipeline={} {}-> {} schedule='{}' zone={} granularity={} next_fire={} due_now={} windows {}{}",
              p.id.value, p.source.connection + " ", p.target.connection, p.cron.text(), p.zone->name(),
              p.window.granularity.to_string(), next ? time::format_in_zone(*next, p.zone) : "never", due.size(),
              span, p.paused ? " (paused in config)" : "");
  }
}

// The earliest next cron fire among the pipelines, capped by the poll interval.
std::chrono::steady_clock::duration until_next_look(const config::Config& config) {
  const Instant now = now_utc();
  Instant next = now + std::chrono::duration_cast<Seconds>(config.daemon.scheduler.poll_interval.fixed);
  for (const auto& p : config.pipelines)
    if (auto fire = p.cron.next_fire(now, p.zone); fire && *fire < next) next = *fire;
  return std::max<std::chrono::steady_clock::duration>(next - now, std::chrono::seconds(1));
}

class Scheduler {
 public:
  Scheduler(boost::asio::io_context& io, const config::Config& config, std::string url)
      : io_(io), config_(config), url_(std::move(url)), timer_(io), runtimes_(tasks::runtimes_from_config(config)) {}

  void start() { arm(std::chrono::seconds(0)); }

  void stop() {
    stopping_ = true;
    timer_.cancel();
    if (worker_.joinable()) worker_.join();
  }

 private:
  void arm(std::chrono::steady_clock::duration wait) {
    timer_.expires_after(wait);
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec || stopping_) return;
      look();
    });
  }

  // Blocking database and adapter work runs off the event loop; the loop only arms timers.
  void look() {
    if (worker_.joinable()) worker_.join();
    worker_ = std::thread([this] {
      tasks::RunnerOptions options;
      options.database_url = url_;
      options.workers = config_.daemon.workers;
      options.heartbeat_interval =
          std::chrono::duration_cast<std::chrono::milliseconds>(config_.daemon.scheduler.heartbeat_interval.fixed);
      options.stop = &stopping_;
      tasks::Runner runner(options, runtimes_);
      const auto log = observe::logger("scheduler");
      auto s = runner.run_once(now_utc());
      if (!s) {
        log->error("pass failed: {}", s.error().message);
      } else if (s->generated + s->finished() + s->retries + s->expired > 0) {
        log->info("pass: generated {}, success {}, skipped {}, failed {}, retry scheduled {}, expired {}, rows {}",
                  s->generated, s->success, s->skipped, s->failed, s->retries, s->expired, s->rows);
      }
      boost::asio::post(io_, [this] {
        if (!stopping_) arm(until_next_look(config_));
      });
    });
  }

  boost::asio::io_context& io_;
  const config::Config& config_;
  std::string url_;
  boost::asio::steady_timer timer_;
  std::vector<std::shared_ptr<const tasks::PipelineRuntime>> runtimes_;
  std::atomic<bool> stopping_{false};
  std::thread worker_;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sluiced: the sluice scheduler daemon", "sluiced"};
  std::string config_path = std::getenv("SLUICE_CONFIG") ? std::getenv("SLUICE_CONFIG") : "/etc/sluice/sluice.yaml";
  std::string database_url;
  app.set_version_flag("--version", SLUICE_VERSION);
  app.add_option("-c,--config", config_path, "daemon config file (env SLUICE_CONFIG)");
  app.add_option("--database-url", database_url, "PostgreSQL URL; overrides SLUICE_DATABASE_URL and the config file");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  // The edge: a config that does not load is reported whole and the process exits.
  auto loaded = config::load_config(config_path);
  if (!loaded) {
    config::print_diagnostics(std::cerr, config_path, loaded.error());
    return 1;
  }
  const config::Config& config = *loaded;
  observe::init_logging(config.daemon.log);
  const auto log = observe::logger("scheduler");

  auto url = config::resolve_database_url(database_url, &config.daemon.database);
  if (!url) {
    log->critical("{}", url.error());
    return 2;
  }
  auto connection = store::connect(url->url.reveal(), {"sluiced", 10});
  if (!connection) {
    log->critical("{}", connection.error().message);
    return 1;
  }
  if (auto schema = store::check_schema(**connection, "sluiced"); !schema) {
    log->critical("{}", schema.error().message);
    return 1;
  }
  log->info("sluiced {} started: database {} ({}), {} pipeline(s), {} worker(s)", SLUICE_VERSION,
            url->url.redacted(), url->origin, config.pipelines.size(), config.daemon.workers);
  log_pipelines(config, **connection);
  connection->reset();

  boost::asio::io_context io;
  Scheduler scheduler(io, config, url->url.reveal());
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    log->info("signal {}: draining (running windows finish, no new claims)", signal);
    sd_notify(0, "STOPPING=1");
    scheduler.stop();
    io.stop();
  });
  scheduler.start();
  sd_notify(0, "READY=1");
  io.run();
  scheduler.stop();
  log->info("sluiced stopped");
  return 0;
}

}  // namespace sluice::daemon
