#pragma once
// What every sluicectl command receives: the global options and where to write.
#include <iosfwd>
#include <stdexcept>
#include <string>
#include <utility>

#include "daemon/ops/refusal.hpp"
#include "framework/core/error.hpp"

namespace CLI {
class App;
}

namespace sluice::ctl {

enum class Output { table, json };

struct Context {
  std::string config_path;   // --config, else $SLUICE_CONFIG, else /etc/sluice/sluice.yaml
  std::string database_url;  // --database-url, else $SLUICE_DATABASE_URL, else the config
  Output output = Output::table;
  bool yes = false;  // -y: confirm destructive actions without asking
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  int exit_code = 0;
};

// Exit codes every command keeps: scripts and the operator's CI rely on them.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;  // the command ran and found a problem (invalid config, ...)
inline constexpr int kExitUsage = 2;   // bad argument or input: nothing was changed

// Thrown by a command for bad input; the top level prints it and exits kExitUsage.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A classified Error from the store or an adapter, carried whole to the top level, which
// prints its message and exits kExitFailed; with `-o json` stderr gets it as JSON, kind
// (retryable, permanent, integrity) and whether the database was out of reach included.
struct Failure : std::runtime_error {
  explicit Failure(Error e) : std::runtime_error(e.message), error(std::move(e)) {}
  Error error;
};

// What the shared operations (daemon/ops/) refuse, as this tool reports it: Failure for a
// failed store or adapter, UsageError for the rest (their messages name `--flags`).
[[noreturn]] inline void raise(const ops::Refusal& r) {
  if (r.kind == ops::Refusal::Kind::failed) throw Failure(r.error);
  throw UsageError(r.message);
}
template <class T>
T take(ops::Outcome<T> outcome) {
  if (!outcome) raise(outcome.error());
  return std::move(*outcome);
}
inline void take(const ops::Outcome<void>& outcome) {
  if (!outcome) raise(outcome.error());
}

// One function per command file; each adds its subcommand(s) to the app.
void add_validate_command(CLI::App& app, Context& ctx);
void add_config_command(CLI::App& app, Context& ctx);
void add_db_command(CLI::App& app, Context& ctx);
void add_cron_command(CLI::App& app, Context& ctx);
void add_windows_command(CLI::App& app, Context& ctx);
void add_run_once_command(CLI::App& app, Context& ctx);
void add_backfill_command(CLI::App& app, Context& ctx);
void add_backfills_command(CLI::App& app, Context& ctx);
void add_status_command(CLI::App& app, Context& ctx);
void add_records_command(CLI::App& app, Context& ctx);
void add_rerun_command(CLI::App& app, Context& ctx);
void add_mark_success_command(CLI::App& app, Context& ctx);
void add_clear_command(CLI::App& app, Context& ctx);
void add_pause_command(CLI::App& app, Context& ctx);
void add_locks_command(CLI::App& app, Context& ctx);
void add_connections_command(CLI::App& app, Context& ctx);
void add_notifications_command(CLI::App& app, Context& ctx);
void add_plan_command(CLI::App& app, Context& ctx);
void add_pipelines_command(CLI::App& app, Context& ctx);
void add_graph_command(CLI::App& app, Context& ctx);
void add_deploy_commands(CLI::App& app, Context& ctx);  // deploy, undeploy

int main(int argc, char** argv, std::ostream& out, std::ostream& err);

}  // namespace sluice::ctl
