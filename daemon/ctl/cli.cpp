#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "daemon/ctl/context.hpp"
#include "daemon/ctl/output.hpp"

namespace sluice::ctl {
namespace {

std::string env_or(const char* name, std::string fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : std::move(fallback);
}

int run(int argc, char** argv, std::ostream& out, std::ostream& err) {
  Context ctx;
  ctx.out = &out;
  ctx.err = &err;
  ctx.config_path = env_or("SLUICE_CONFIG", "/etc/sluice/sluice.yaml");
  ctx.database_url = env_or("SLUICE_DATABASE_URL", "");

  CLI::App app{"sluicectl: operate sluice pipelines, records and the schema", "sluicectl"};
  app.require_subcommand(1);
  app.fallthrough();
  app.set_version_flag("--version", SLUICE_VERSION);
  app.add_option("-c,--config", ctx.config_path, "daemon config file (env SLUICE_CONFIG)");
  app.add_option("--database-url", ctx.database_url,
                 "PostgreSQL URL; overrides SLUICE_DATABASE_URL and the config file");
  std::string output = "table";
  app.add_option("-o,--output", output, "output format")->check(CLI::IsMember({"table", "json"}));
  app.add_flag("-y,--yes", ctx.yes, "confirm destructive actions");
  app.parse_complete_callback(
      [&] { ctx.output = output == "json" ? Output::json : Output::table; });

  // One line per command file (daemon/ctl/cmd_*.cpp).
  add_validate_command(app, ctx);
  add_config_command(app, ctx);
  add_db_command(app, ctx);
  add_cron_command(app, ctx);
  add_windows_command(app, ctx);
  add_run_once_command(app, ctx);
  add_backfill_command(app, ctx);
  add_backfills_command(app, ctx);
  add_status_command(app, ctx);
  add_records_command(app, ctx);
  add_rerun_command(app, ctx);
  add_mark_success_command(app, ctx);
  add_clear_command(app, ctx);
  add_pause_command(app, ctx);
  add_locks_command(app, ctx);
  add_connections_command(app, ctx);
  add_notifications_command(app, ctx);
  add_plan_command(app, ctx);
  add_pipelines_command(app, ctx);
  add_graph_command(app, ctx);
  add_deploy_commands(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e, out, err);
  } catch (const CLI::ParseError& e) {
    app.exit(e, out, err);
    return kExitUsage;
  } catch (const UsageError& e) {
    err << "sluicectl: " << e.what() << "\n";
    return kExitUsage;
  } catch (const Failure& e) {
    if (ctx.output == Output::json)
      err << json_text(nlohmann::json{{"error",
                                       {{"kind", to_string(e.error.kind)},
                                        {"message", e.error.message},
                                        {"database_unreachable", e.error.connection_lost}}}})
          << "\n";
    else
      err << "sluicectl: " << e.what() << "\n";
    return kExitFailed;
  } catch (const std::exception& e) {
    err << "sluicectl: " << e.what() << "\n";
    return kExitFailed;
  }
  return ctx.exit_code;
}

}  // namespace

// The process edge: whatever escapes the command (setting up the parser included) is an
// error message and an exit code, never std::terminate.
int main(int argc, char** argv, std::ostream& out, std::ostream& err) {
  try {
    return run(argc, argv, out, err);
  } catch (const std::exception& e) {
    err << "sluicectl: " << e.what() << "\n";
  } catch (...) {
    err << "sluicectl: unexpected error of unknown type\n";
  }
  return kExitFailed;
}

}  // namespace sluice::ctl
