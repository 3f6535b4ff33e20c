#include "tests/e2e/daemon/harness.hpp"

#include <signal.h>

#include <thread>

#include <catch2/catch.hpp>

#include "tests/support/files.hpp"

namespace sluice::test {

void write_daemon_file(const std::filesystem::path& dir, const DaemonSettings& s) {
  write_file(dir / "sluice.yaml",
             "database:\n  url: ${env:SLUICE_DATABASE_URL}\nstage:\n  root: stage\nworkers: " +
                 std::to_string(s.workers) + "\ndrain_timeout: " + s.drain_timeout +
                 "\nstale_threshold: " + s.stale_threshold +
                 "\nscheduler:\n  poll_interval: 1s\n  heartbeat_interval: " +
                 s.heartbeat_interval + "\n  stale_check_interval: 1s\nhttp:\n" + s.http + s.extra +
                 "connections:\n  db:\n    kind: postgres\n    url: ${env:SLUICE_DATABASE_URL}\n" +
                 s.connections);
}

void write_pipeline(const std::filesystem::path& dir, const std::string& id,
                    const std::string& src_table, const std::string& dst_table,
                    const std::string& start, const std::string& end, const std::string& extra) {
  write_file(
      dir / "pipelines.d" / (id + ".yaml"),
      "id: " + id + "\nsource:\n  connection: db\n  table: " + src_table +
          "\n  time_column: event_time\ntarget:\n  connection: db\n  table: " + dst_table +
          "\nschedule:\n  cron: \"0 * * * *\"\n  timezone: UTC\nwindow:\n  granularity: 1h\n  "
          "start_date: \"" +
          start + "\"\n  end_date: \"" + end +
          "\"\nretries:\n  max: 10\n  base_delay: 1s\n  max_delay: 2s\nmax_active_windows: 4\n" +
          extra);
}

DaemonProcess::DaemonProcess(const std::filesystem::path& dir, const std::string& database_url,
                             const std::string& name, EnvChanges env)
    : log_file_(dir / (name + ".log")) {
  const std::string binary = (binary_dir() / "daemon" / "sluiced").string();
  env.emplace("SLUICE_DATABASE_URL", database_url);
  env.emplace("NOTIFY_SOCKET", std::nullopt);  // kept when the caller set one
  process_ = std::make_unique<Process>(
      std::vector<std::string>{"/bin/sh", "-c", "exec \"$0\" -c \"$1\" 2>>\"$2\"", binary,
                               (dir / "sluice.yaml").string(), log_file_.string()},
      env);
}

DaemonProcess::~DaemonProcess() {
  process_.reset();  // stopped: its log is complete
  // A sanitizer report of the daemon (ASan, UBSan, LSan or, in the TSan build, a data race)
  // fails the test that ran it, whatever the test looked at.
  const std::string text = log();
  for (const char* report : {"ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                             ": runtime error: ", "WARNING: ThreadSanitizer"}) {
    const auto at = text.find(report);
    INFO(log_file_.string() << ": " << (at == std::string::npos ? "" : text.substr(at, 4000)));
    CHECK(at == std::string::npos);
  }
}

void DaemonProcess::signal(int sig) const {
  ::kill(process_->pid(), sig);
}

ProcessResult DaemonProcess::wait() {
  return process_->wait();
}

std::string DaemonProcess::log() const {
  std::error_code ec;
  return std::filesystem::exists(log_file_, ec) ? read_file(log_file_) : std::string();
}

std::unique_ptr<store::Connection> prepared(const TestDatabase& db, const std::string& setup) {
  db.migrate();
  auto c = db.connect();
  run_sql(*c, setup);
  return c;
}

std::unique_ptr<store::Connection> prepared(const std::string& url, const std::string& setup) {
  const auto r = run_process({(binary_dir() / "daemon" / "sluicectl").string(), "db", "migrate"},
                             {{"SLUICE_DATABASE_URL", url}});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto c = store::connect(url);
  REQUIRE(c);
  run_sql(**c, setup);
  return std::move(*c);
}

std::string slow_source_sql(double seconds) {
  return "CREATE TABLE src_data (id int, event_time timestamptz, note text);"
         "CREATE TABLE dst (LIKE src_data);"
         "INSERT INTO src_data VALUES (1, '2024-01-01T00:30:00Z', 'slow');"
         "CREATE FUNCTION slow_gate(s float8) RETURNS boolean LANGUAGE plpgsql VOLATILE AS "
         "$$ BEGIN PERFORM pg_sleep(s); RETURN true; END $$;"
         "CREATE VIEW src AS SELECT id, event_time, note FROM src_data WHERE slow_gate(" +
         std::to_string(seconds) + ")";
}

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return done();
}

}  // namespace sluice::test
