// sluiced under SIGTERM (drain: finish or release) and SIGHUP (reload: a new pipeline
// starts; a broken daemon file is refused and the running config stays; reloads racing the
// claims of a backlog).
#include <catch2/catch.hpp>

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "tests/e2e/daemon/harness.hpp"
#include "tests/support/files.hpp"
#include "tests/support/private_cluster.hpp"
#include "tests/support/test_database.hpp"

using namespace sluice;
using namespace std::chrono_literals;

namespace {

std::string status_of_first_window(store::Connection& c) {
  const auto r = test::run_sql(c,
                               "SELECT pipeline_status FROM pipeline_records "
                               "WHERE window_start_time = '2024-01-01T00:00:00Z'");
  return r.empty() ? "" : r[0][0].as<std::string>();
}

// A daemon running the slow window of 2024-01-01 00:00, sent SIGTERM while it runs.
struct DrainedDaemon {
  test::TestDatabase db;
  std::unique_ptr<store::Connection> c;
  test::TempDir dir;
  test::ProcessResult result;
  std::chrono::steady_clock::duration took{};  // from the signal to the exit
  std::string log;

  DrainedDaemon(double query_seconds, const std::string& drain_timeout)
      : c(test::prepared(db, test::slow_source_sql(query_seconds))) {
    test::DaemonSettings settings;
    settings.drain_timeout = drain_timeout;
    test::write_daemon_file(dir.path(), settings);
    test::write_pipeline(dir.path(), "slow", "src", "dst", "2024-01-01", "2024-01-02");
    test::DaemonProcess daemon(dir.path(), db.url());
    REQUIRE(test::eventually([&] { return status_of_first_window(*c) == "IN_PROGRESS"; }, 20s));
    const auto signalled = std::chrono::steady_clock::now();
    daemon.signal(SIGTERM);
    result = daemon.wait();
    took = std::chrono::steady_clock::now() - signalled;
    log = daemon.log();
  }
  bool logged(const std::string& text) const { return log.find(text) != std::string::npos; }
};

}  // namespace

TEST_CASE("SIGTERM during a long window lets it finish within the drain deadline",
          "[e2e][daemon][threads]") {
  DrainedDaemon d(0.7, "30s");
  INFO(d.log);
  CHECK(d.result.exit_code == 0);
  CHECK(status_of_first_window(*d.c) == "SUCCESS");
  CHECK(test::count(*d.c, "SELECT count(*) FROM dst") == 1);
  CHECK(test::count(
            *d.c, "SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'IN_PROGRESS'") ==
        0);
  CHECK(d.logged("draining: no new claims"));
  CHECK(d.logged("sluiced stopped"));
}

TEST_CASE("SIGTERM past the drain deadline releases the running window for another host",
          "[e2e][daemon]") {
  DrainedDaemon d(5, "1s");
  INFO(d.log);
  CHECK(d.result.exit_code == 0);
  // The deadline (1 s), not the window (15 s) nor the stale threshold (1 h).
  CHECK(d.took < 4s);
  CHECK(status_of_first_window(*d.c) == "PENDING");
  CHECK(test::count(*d.c,
                    "SELECT retry_attempt FROM pipeline_records WHERE window_start_time = "
                    "'2024-01-01T00:00:00Z'") == 0);
  CHECK(test::count(*d.c, "SELECT count(*) FROM pipeline_events WHERE outcome = 'RELEASED'") == 1);
  CHECK(test::count(*d.c, "SELECT count(*) FROM dst") == 0);
  CHECK(d.logged("drain deadline: releasing 1 running window(s)"));
}

TEST_CASE("SIGHUP starts an added pipeline and refuses a broken daemon file, keeping the config",
          "[e2e][daemon][threads]") {
  test::TestDatabase db;
  auto c = test::prepared(
      db,
      "CREATE TABLE src (id int, event_time timestamptz, note text);"
      "CREATE TABLE dst_a (LIKE src); CREATE TABLE dst_b (LIKE src);"
      "INSERT INTO src SELECT i, '2024-01-01'::timestamptz + i * interval '1 hour', 'x' "
      "FROM generate_series(0, 23) i");
  test::TempDir dir;
  test::write_daemon_file(dir.path(), {});
  test::write_pipeline(dir.path(), "a", "src", "dst_a", "2024-01-01", "2024-01-02");
  test::DaemonProcess daemon(dir.path(), db.url());
  const auto done = [&](const std::string& id) {
    return test::count(
        *c,
        "SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'SUCCESS' AND "
        "pipeline_id = '" +
            id + "'");
  };
  REQUIRE(test::eventually([&] { return done("a") == 24; }, 30s));
  // The registry holds what the daemon loaded: a at start, b after the reload.
  const auto registered = [&] {
    return test::count(*c,
                       "SELECT count(*) FROM pipelines WHERE config_hash ~ '^[0-9a-f]{16}$' AND "
                       "registered_by LIKE '%:" +
                           std::to_string(daemon.pid()) + "' AND stale_threshold IS NOT NULL");
  };
  CHECK(test::eventually([&] { return registered() == 1; }, 10s));

  test::write_pipeline(dir.path(), "b", "src", "dst_b", "2024-01-01", "2024-01-02");
  daemon.signal(SIGHUP);
  CHECK(test::eventually([&] { return done("b") == 24; }, 30s));
  CHECK(test::count(*c, "SELECT count(*) FROM dst_b") == 24);
  CHECK(daemon.log_contains("config reloaded: added b"));
  CHECK(test::eventually([&] { return registered() == 2; }, 10s));

  // A broken daemon file: the whole reload is refused with its errors (a new pipeline file
  // with them), a and b stay.
  test::write_pipeline(dir.path(), "c", "src", "dst_b", "2024-01-01", "2024-01-02");
  const auto daemon_file = dir.path() / "sluice.yaml";
  const auto good_daemon_file = test::read_file(daemon_file);
  test::write_file(daemon_file, good_daemon_file + "workers: many\n");
  daemon.signal(SIGHUP);
  CHECK(test::eventually(
      [&] { return daemon.log_contains("reload refused, the running config stays"); }, 10s));
  CHECK(daemon.log_contains("sluice.yaml:"));
  CHECK(daemon.log_contains("workers"));
  CHECK(::kill(daemon.pid(), 0) == 0);

  // The running config still answers: a window of b put back to PENDING is claimed again.
  test::run_sql(*c,
                "UPDATE pipeline_records SET pipeline_status = 'PENDING' "
                "WHERE pipeline_id = 'b' AND window_start_time = '2024-01-01T05:00:00Z'");
  CHECK(test::eventually(
      [&] {
        return test::count(*c,
                           "SELECT count(*) FROM pipeline_events e JOIN pipeline_records r "
                           "ON r.id = e.record_id WHERE r.pipeline_id = 'b' AND e.task = 'claim' "
                           "AND r.window_start_time = '2024-01-01T05:00:00Z' "
                           "AND r.pipeline_status IN ('SUCCESS', 'SKIPPED')") == 2;
      },
      15s));
  CHECK(test::count(*c, "SELECT count(*) FROM pipeline_records WHERE pipeline_id = 'c'") == 0);

  daemon.signal(SIGTERM);
  const auto r = daemon.wait();
  INFO(daemon.log());
  CHECK(r.exit_code == 0);
}

namespace {

// The service manager's end of NOTIFY_SOCKET: a datagram socket collecting what arrives.
class NotifySocket {
 public:
  explicit NotifySocket(const std::filesystem::path& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    REQUIRE(::bind(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~NotifySocket() { ::close(fd_); }
  const std::filesystem::path& path() const { return path_; }

  // Reads until a message contains `text` or `limit` passes; true when one did.
  bool await(const std::string& text, std::chrono::milliseconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buffer[4096];
      const auto n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) continue;
      messages.emplace_back(buffer, static_cast<std::size_t>(n));
      if (messages.back().find(text) != std::string::npos) return true;
    }
    return false;
  }
  bool received(const std::string& text) const {
    for (const auto& m : messages)
      if (m.find(text) != std::string::npos) return true;
    return false;
  }
  std::vector<std::string> messages;

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

}  // namespace

TEST_CASE("sluiced tells systemd READY, STATUS, WATCHDOG, RELOADING and STOPPING",
          "[e2e][daemon]") {
  test::TestDatabase db;
  auto c = test::prepared(db,
                          "CREATE TABLE src (id int, event_time timestamptz, note text);"
                          "CREATE TABLE dst (LIKE src)");
  test::TempDir dir;
  test::write_daemon_file(dir.path(), {});
  test::write_pipeline(dir.path(), "a", "src", "dst", "2024-01-01", "2024-01-02");
  NotifySocket manager(dir.path() / "notify");
  test::DaemonProcess daemon(
      dir.path(), db.url(), "sluiced",
      {{"NOTIFY_SOCKET", manager.path().string()}, {"WATCHDOG_USEC", "400000"}});
  CHECK(manager.await("READY=1", 20s));
  CHECK(manager.await("STATUS=1 pipeline(s), 0 paused, 0 running window(s), backlog 0", 10s));
  CHECK(manager.await("WATCHDOG=1", 5s));
  daemon.signal(SIGHUP);
  CHECK(manager.await("RELOADING=1", 10s));
  CHECK(manager.await("READY=1", 10s));
  daemon.signal(SIGTERM);
  CHECK(manager.await("STOPPING=1", 10s));
  const auto r = daemon.wait();
  INFO(daemon.log());
  CHECK(r.exit_code == 0);
}

TEST_CASE("a backfill request raised with plain SQL is picked up and run by the daemon",
          "[e2e][daemon]") {
  test::TestDatabase db;
  auto c = test::prepared(
      db,
      "CREATE TABLE src (id int, event_time timestamptz, note text); CREATE TABLE dst (LIKE src);"
      "INSERT INTO src SELECT i, '2024-01-01'::timestamptz + i * interval '1 hour', 'x' "
      "FROM generate_series(0, 23) i");
  test::TempDir dir;
  test::write_daemon_file(dir.path(), {});
  // catchup false: the schedule makes only the newest window; the backfill the other 23.
  test::write_pipeline(dir.path(), "a", "src", "dst", "2024-01-01", "2024-01-02");
  const auto file = dir.path() / "pipelines.d" / "a.yaml";
  auto text = test::read_file(file);
  text.replace(text.find("  end_date:"), 0, "  catchup: false\n");
  test::write_file(file, text);
  test::DaemonProcess daemon(dir.path(), db.url());
  REQUIRE(test::eventually(
      [&] {
        return test::count(
                   *c, "SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'SUCCESS'") ==
               1;
      },
      20s));
  test::run_sql(*c,
                "INSERT INTO backfill_requests (pipeline_id, from_time, to_time, reprocess) "
                "VALUES ('a', '2024-01-01T00:00Z', '2024-01-02T00:00Z', 'missing')");
  CHECK(test::eventually(
      [&] {
        return test::count(*c,
                           "SELECT count(*) FROM pipeline_records WHERE trigger = 'backfill' "
                           "AND pipeline_status = 'SUCCESS'") == 23;
      },
      30s));
  CHECK(test::count(*c, "SELECT count(*) FROM dst") == 24);
  CHECK(test::eventually(
      [&] {
        return test::count(*c, "SELECT count(*) FROM backfill_requests WHERE status = 'DONE'") == 1;
      },
      10s));
  daemon.signal(SIGTERM);
  CHECK(daemon.wait().exit_code == 0);
  INFO(daemon.log());
  CHECK(daemon.log_contains("backfill: 1 request(s) taken"));
}

TEST_CASE(
    "SIGHUPs racing the claims of a backlog, each adding or removing a pipeline: every window "
    "ends once and the daemon lives on",
    "[e2e][daemon][threads]") {
  test::TestDatabase db;
  auto c = test::prepared(db,
                          "CREATE TABLE src (id int, event_time timestamptz, note text);"
                          "CREATE TABLE dst (LIKE src); CREATE TABLE dst_f (LIKE src)");
  test::TempDir dir;
  test::DaemonSettings settings;
  settings.workers = 4;
  test::write_daemon_file(dir.path(), settings);
  // 1,440 empty hourly windows, claimed in batches by four workers while each reload stores
  // another set of claim limits under the daemon's holder.
  test::write_pipeline(dir.path(), "steady", "src", "dst", "2024-01-01", "2024-03-01");
  test::DaemonProcess daemon(dir.path(), db.url());
  const auto count = [&](const std::string& sql) { return test::count(*c, sql); };
  const auto flicker = dir.path() / "pipelines.d" / "flicker.yaml";
  // Signals only once it runs: one before main is the default action's, as for any process.
  REQUIRE(test::eventually(
      [&] {
        return count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'SKIPPED'") > 0;
      },
      30s));
  int reloads = 0;
  while (reloads < 40 &&
         count("SELECT count(*) FROM pipeline_records WHERE pipeline_id = 'steady' AND "
               "pipeline_status = 'SKIPPED'") < 1440) {
    if (reloads % 2 == 0) {
      test::write_pipeline(dir.path(), "flicker", "src", "dst_f", "2024-01-01", "2024-02-01");
    } else {
      std::filesystem::remove(flicker);
    }
    daemon.signal(SIGHUP);
    ++reloads;
    std::this_thread::sleep_for(150ms);
  }
  CHECK(reloads >= 2);
  const bool all_ended = test::eventually(
      [&] {
        return count(
                   "SELECT count(*) FROM pipeline_records WHERE pipeline_id = 'steady' AND "
                   "pipeline_status = 'SKIPPED'") == 1440;
      },
      120s);
  if (!all_ended) WARN(daemon.log());
  CHECK(all_ended);
  // Nothing ended twice, nothing left held.
  CHECK(count("SELECT count(*) FROM (SELECT record_id FROM pipeline_events WHERE to_status = "
              "'SKIPPED' GROUP BY record_id HAVING count(*) > 1) x") == 0);
  CHECK(test::eventually(
      [&] {
        return count(
                   "SELECT count(*) FROM pipeline_records WHERE pipeline_status = "
                   "'IN_PROGRESS'") == 0;
      },
      30s));
  CHECK(count("SELECT count(*) FROM pipeline_records WHERE retry_attempt > 0") == 0);
  daemon.signal(SIGTERM);
  const auto r = daemon.wait();
  INFO(daemon.log());
  CHECK(r.exit_code == 0);
}

TEST_CASE("a SIGHUP while sluiced waits for its database is a reload once it runs, not its end",
          "[e2e][daemon]") {
  test::PrivateCluster pg(61003);
  test::prepared(pg.url(),
                 "CREATE TABLE src (id int, event_time timestamptz, note text);"
                 "CREATE TABLE dst (LIKE src)");
  test::TempDir dir;
  test::write_daemon_file(dir.path(), {});
  test::write_pipeline(dir.path(), "a", "src", "dst", "2024-01-01", "2024-01-02");
  pg.stop();
  test::DaemonProcess daemon(dir.path(), pg.url());
  REQUIRE(test::eventually([&] { return daemon.log_contains("waiting for the database"); }, 20s));
  daemon.signal(SIGHUP);  // its default action would end the process
  std::this_thread::sleep_for(500ms);
  pg.start();
  CHECK(test::eventually([&] { return daemon.log_contains("reloading once running"); }, 30s));
  CHECK(test::eventually([&] { return daemon.log_contains("config reloaded"); }, 30s));
  auto c = store::connect(pg.url());
  REQUIRE(c);
  CHECK(test::eventually(
      [&] {
        return test::count(**c,
                           "SELECT count(*) FROM pipeline_records WHERE pipeline_status = "
                           "'SKIPPED'") == 24;
      },
      60s));
  daemon.signal(SIGTERM);
  const auto r = daemon.wait();
  INFO(daemon.log());
  CHECK(r.exit_code == 0);
}
