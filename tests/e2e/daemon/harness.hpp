#pragma once
// Running sluiced as a real process against a real PostgreSQL: a config of short intervals,
// the daemon's log in a file (a pipe could fill up and stall it), and polling helpers.
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "tests/support/paths.hpp"
#include "tests/support/process.hpp"
#include "tests/support/test_database.hpp"

namespace sluice::test {

struct DaemonSettings {
  int workers = 2;
  std::string drain_timeout = "30s";
  std::string stale_threshold = "1h";
  std::string heartbeat_interval = "1s";
  std::string extra;  // more daemon-file lines
  // The http section's lines: a free port, so daemons of tests running at once never clash.
  std::string http = "  listen: 127.0.0.1:0\n";
  std::string connections;  // more connections, after `db`
};

// A daemon file with one `db` postgres connection to $SLUICE_DATABASE_URL and 1-second timers.
void write_daemon_file(const std::filesystem::path& dir, const DaemonSettings& s);

// pipelines.d/<id>.yaml: hourly windows of src_table -> dst_table over [start, end).
void write_pipeline(const std::filesystem::path& dir, const std::string& id,
                    const std::string& src_table, const std::string& dst_table,
                    const std::string& start, const std::string& end,
                    const std::string& extra = "");

class DaemonProcess {
 public:
  // `name` tells logs of several daemons apart.
  // NOTIFY_SOCKET is unset unless `env` sets it.
  DaemonProcess(const std::filesystem::path& dir, const std::string& database_url,
                const std::string& name = "sluiced", EnvChanges env = {});
  ~DaemonProcess();

  void signal(int sig) const;
  ProcessResult wait();  // exit code; the log is log()
  std::string log() const;
  pid_t pid() const { return process_->pid(); }
  bool log_contains(const std::string& text) const { return log().find(text) != std::string::npos; }

 private:
  std::filesystem::path log_file_;
  std::unique_ptr<Process> process_;
};

// Migrates `db`, runs `setup` on it and returns a connection for the test's queries.
std::unique_ptr<store::Connection> prepared(const TestDatabase& db, const std::string& setup);
// The same for the database at `url` (a private cluster's), migrated by `sluicectl db migrate`
// as an operator would.
std::unique_ptr<store::Connection> prepared(const std::string& url, const std::string& setup);

// Tables src_data and dst, one row at 00:30 of 2024-01-01, and the view src over src_data that
// sleeps `seconds` per query: that window runs for a few times `seconds` (its count,
// extract and audit each sleep); windows without rows are quick.
std::string slow_source_sql(double seconds);

// Polls `done` every 100 ms until it holds or `limit` passes; returns whether it held.
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit);

}  // namespace sluice::test
