#pragma once
// sluiced's event loop. One io_context thread owns every timer and all the bookkeeping; it
// never touches the database or an adapter. Two bounded pools do that work:
//   workers  `workers` threads, each running claim_and_run: claim, chain, claim again
//   control  one thread with one connection: cron-tick generation, stale-lock cleanup,
//            retention, backlog counts, backfill requests, reconnect probes, config loads
// and the HTTP server's own pool (http_server.hpp) answers the API.
// Named timers, one per duty: `cron` (the next fire of any active pipeline), `poll`, `cleanup`,
// `retention`, `backfill`, `status`, `metrics`, `watchdog`, `reconnect`, `drain`.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <queue>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include "daemon/sluiced/http_server.hpp"
#include "daemon/sluiced/listener.hpp"
#include "daemon/sluiced/state.hpp"
#include "framework/notify/notifier.hpp"
#include "framework/store/database.hpp"
#include "tasks/lease_keeper.hpp"
#include "tasks/runner.hpp"

namespace sluice::daemon {

// A SIGHUP before the daemon's own handler is in place (start-up: the database awaited, the
// files loaded twice) would end the process, its default action. From the start of main it
// is noted instead; a Daemon, once its handler is in place, reloads if one came.
void note_early_reloads();

struct DaemonOptions {
  std::filesystem::path config_file;  // read again on SIGHUP
  std::string database_url;
  std::string holder;  // host:pid
};

class Daemon {
 public:
  Daemon(DaemonOptions options, std::shared_ptr<const State> state);
  ~Daemon();

  // Runs until drained; returns the exit code.
  int run();

 private:
  void reload_if_asked_early();
  using Clock = std::chrono::steady_clock;
  using Timer = boost::asio::steady_timer;

  // Event loop.
  void every(Timer& timer, Clock::duration period, std::function<void()> duty);
  void start_timers();
  // Cron: one timer for the earliest next fire of every active pipeline. The pipelines whose
  // fire came join the due set, which one control duty (`cron tick`) drains: a second in which
  // 10,000 pipelines fire is one duty and a few statements, not 10,000 duties.
  void arm_crons();
  void fire_crons();
  void arm_cron_timer();
  void add_due(const std::vector<std::string>& pipelines);
  Result<void> cron_tick(store::Connection& c);
  void wake(const char* why);
  void launch_worker();
  void worker_ended(tasks::WorkerEnd end);
  void database_lost(const std::string& why);
  void database_back();
  void probe_database();
  void on_signal(int signal);
  void drain();
  void drain_deadline();
  void finish();
  void listener_state(bool up, const std::string& why);
  // Reads the config files and the catalog again, on the control pool; `why` is logged.
  void reload(const std::string& why);
  // A catalog pipeline changed (its NOTIFY, or the poll saw a newer change): one reload,
  // however many changes arrive before it starts.
  void catalog_changed();
  Result<void> poll_catalog(store::Connection& c);
  void apply(const std::shared_ptr<const State>& next);
  // After every load (the start, each reload that is not refused), with the pipeline files
  // quarantined for config errors (kept_previous: still running their previous definition).
  // One warning each; the place for whatever else must hear of them.
  void on_quarantined(const std::vector<config::Quarantined>& quarantined);
  void publish_status();
  std::shared_ptr<const State> state() const;
  // The notification channels of the config now loaded, to the notifier and the registry.
  void update_notifier();
  void database_down_told(const std::string& why);

  // Control pool: `duty` gets the control connection, opened on demand; a lost connection
  // is reported as the database gone. A duty never queues behind itself: posted again while
  // it waits in the queue, the post is dropped; posted while it runs, it runs once more
  // after (a cron tick is never lost, a flood of timer fires or notifications costs one
  // run). Once draining, queued duties are skipped, except `essential` ones (releases).
  enum class Duty { coalesced, essential };
  void control(std::string what, std::function<Result<void>(store::Connection&)> duty,
               Duty kind = Duty::coalesced);
  void run_duty(const std::string& what,
                const std::function<Result<void>(store::Connection&)>& duty);
  using Runtimes = std::vector<std::shared_ptr<const tasks::PipelineRuntime>>;
  Result<void> generate(store::Connection& c, const Runtimes& which);
  Result<void> cleanup(store::Connection& c);
  Result<void> retention(store::Connection& c);
  Result<void> count_backlog(store::Connection& c);
  Result<void> refresh_metrics(store::Connection& c);
  // The pipelines registry: what this daemon loaded (at start and after each reload).
  Result<void> register_pipelines(store::Connection& c);
  Result<void> release(store::Connection& c, const std::vector<store::Record>& records,
                       std::string_view why);
  Result<void> backfill(store::Connection& c);

  DaemonOptions options_;
  boost::asio::io_context io_;
  boost::asio::thread_pool control_pool_{1};
  std::unique_ptr<boost::asio::thread_pool> worker_pool_;
  int max_workers_ = 1;

  mutable std::mutex state_mutex_;  // workers read the state between windows
  std::shared_ptr<const State> state_;
  std::shared_ptr<const notify::Directory> directory_;  // under state_mutex_
  // Control pool only: the last state loaded, which the next reload keeps definitions of
  // (two reloads in a row: the second compares with the first before it is applied).
  std::shared_ptr<const State> last_loaded_;
  CatalogAccess catalog_access_;
  std::atomic<bool> reload_queued_{false};

  // Event loop only.
  struct CronFire {
    Instant at;
    const config::PipelineConfig* pipeline;  // of cron_state_
    bool operator>(const CronFire& o) const { return at > o.at; }
  };
  std::priority_queue<CronFire, std::vector<CronFire>, std::greater<>> cron_fires_;
  std::shared_ptr<const State> cron_state_;  // the state cron_fires_ points into
  Timer cron_timer_;
  Timer poll_timer_, cleanup_timer_, retention_timer_, backfill_timer_, status_timer_,
      watchdog_timer_, reconnect_timer_, listen_timer_, drain_timer_, metrics_timer_,
      db_down_timer_;
  boost::asio::signal_set signals_;
  Listener listener_;
  int workers_running_ = 0;
  bool wake_pending_ = false;
  bool draining_ = false;
  bool database_down_ = false;
  bool database_down_told_ = false;  // the notification went out: its recovery goes too
  Instant database_down_since_{};
  Clock::duration reconnect_delay_{};
  Clock::duration listen_delay_{};
  int listening_ = -1;  // -1 unknown, 0 polling, 1 notifications: logged on change only
  std::vector<store::Record> unfinished_;  // to release once the database is back
  tasks::RunSummary totals_;
  int exit_code_ = 0;

  std::atomic<bool> claiming_{true};   // read by workers before each claim
  std::atomic<bool> down_{false};      // read by the control pool: skip duties meanwhile
  std::atomic<bool> stopping_{false};  // drain began: long duties stop between batches

  // Coalesced duties by name: queued, or running (and whether posted again meanwhile).
  struct DutyState {
    bool running = false;
    bool again = false;
  };
  std::mutex duties_mutex_;
  std::map<std::string, DutyState, std::less<>> duties_;
  std::set<std::string> due_;  // under duties_mutex_: pipelines whose cron fired, for `cron tick`
  std::atomic<std::int64_t> backlog_{-1};
  std::unique_ptr<store::Connection> control_connection_;  // control pool only

  std::mutex connections_mutex_;  // idle worker stores and their connections, reused
  std::vector<std::unique_ptr<store::RecordStore>> idle_connections_;

  tasks::LeaseKeeper leases_;
  notify::Notifier notifier_;

  // Last: destroyed first, its pool joined while the loop and the state still exist.
  std::unique_ptr<HttpServer> http_;
};

}  // namespace sluice::daemon
