#include "daemon/sluiced/app.hpp"

#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>

#include "daemon/sluiced/daemon.hpp"
#include "daemon/sluiced/state.hpp"
#include "framework/config/database_url.hpp"
#include "framework/observe/log.hpp"
#include "framework/store/database.hpp"
#include "framework/store/migrations.hpp"
#include "framework/store/records.hpp"
#include "framework/time/window_generator.hpp"
#include "tasks/runner.hpp"

namespace sluice::daemon {
namespace {

Instant now_utc() {
  return std::chrono::floor<Seconds>(std::chrono::system_clock::now());
}

// What an operator wants to read at start: each pipeline, when it next looks, what is due.
void log_pipelines(const config::Config& config, store::Connection& connection) {
  const auto log = observe::logger("scheduler");
  const Instant now = now_utc();
  store::Records records(connection, "sluiced");
  // The newest windows of all in one statement (10,000 pipelines: one round trip, not 10,000).
  std::vector<PipelineId> ids;
  ids.reserve(config.pipelines.size());
  for (const auto& p : config.pipelines) ids.push_back(p.id);
  auto ends = records.last_window_ends(ids);
  if (!ends) log->warn("cannot read the pipelines' last windows: {}", ends.error().message);
  for (std::size_t i = 0; i < config.pipelines.size(); ++i) {
    const auto& p = config.pipelines[i];
    const auto next = p.cron.next_fire(now, p.zone);
    const std::optional<Instant> last = ends ? (*ends)[i] : std::nullopt;
    const auto due = time::due_windows(p.window, last, now, 100000);
    std::string span = due.empty() ? "none" : to_string(Window{due.front().start, due.back().end});
    log->info(
        "pipeline={} {}-> {} schedule='{}' zone={} granularity={} next_fire={} due_now={} windows "
        "{}{}",
        p.id.value,
        p.kind == config::PipelineConfig::Kind::sql ? std::string("sql ")
                                                    : p.source.connection + " ",
        p.target.connection, p.cron.text(), p.zone->name(), p.window.granularity.to_string(),
        next ? time::format_in_zone(*next, p.zone) : "never", due.size(), span,
        p.paused ? " (paused in config)" : "");
  }
}

// At start the database may still be coming up (boot order, a failover): wait for it with
// capped backoff, logging once; only what an operator must fix (authentication, an unknown
// database, an outdated schema) ends the process.
Result<std::unique_ptr<store::Connection>> wait_for_database(const std::string& url) {
  const auto log = observe::logger("scheduler");
  auto delay = std::chrono::milliseconds(250);
  bool told = false;
  for (;;) {
    auto connection = store::connect(url, {"sluiced", 10});
    if (connection || connection.error().kind != ErrorKind::retryable) return connection;
    if (!told) log->warn("{}: waiting for the database", connection.error().message);
    told = true;
    std::this_thread::sleep_for(delay);
    delay = std::min(delay * 2, std::chrono::milliseconds(10'000));
  }
}

int run(int argc, char** argv) {
  note_early_reloads();
  CLI::App app{"sluiced: the sluice scheduler daemon", "sluiced"};
  std::string config_path =
      std::getenv("SLUICE_CONFIG") ? std::getenv("SLUICE_CONFIG") : "/etc/sluice/sluice.yaml";
  std::string database_url;
  app.set_version_flag("--version", SLUICE_VERSION);
  app.add_option("-c,--config", config_path, "daemon config file (env SLUICE_CONFIG)");
  app.add_option("--database-url", database_url,
                 "PostgreSQL URL; overrides SLUICE_DATABASE_URL and the config file");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  // The edge: a config that does not load is reported whole and the process exits.
  auto loaded = load_state(config_path);
  if (!loaded) {
    for (const auto& line : loaded.error()) std::cerr << line << "\n";
    return 1;
  }
  std::shared_ptr<const State> state = *loaded;
  observe::init_logging(state->config.daemon.log);
  const auto log = observe::logger("scheduler");

  auto url = config::resolve_database_url(database_url, &state->config.daemon.database);
  if (!url) {
    log->critical("{}", url.error());
    return 2;
  }
  auto connection = wait_for_database(url->url.reveal());
  if (!connection) {
    log->critical("{}", connection.error().message);
    return 1;
  }
  if (auto schema = store::check_schema(**connection, "sluiced"); !schema) {
    log->critical("{}", schema.error().message);
    return 1;
  }
  const std::string holder = tasks::default_holder();
  // With the database reachable: the catalog's pipelines join the files', and each file
  // pipeline's text is stored as a version.
  const CatalogAccess access{url->url.reveal(), holder};
  // The first load has told the database and the logging; let go of all it built before
  // loading again, or both loads' pipelines and runtimes share the start's peak, which the
  // idle daemon's RSS keeps: at 10,000 pipelines 198 MiB, 131-137 MiB without it.
  state.reset();
  loaded->reset();
  loaded = load_state(config_path, nullptr, &access);
  if (!loaded) {
    for (const auto& line : loaded.error()) log->critical("{}", line);
    return 1;
  }
  state = *loaded;
  const config::Config& config = state->config;
  log->info("sluiced {} started as {}: database {} ({}), {} pipeline(s), {} worker(s)",
            SLUICE_VERSION, holder, url->url.redacted(), url->origin, config.pipelines.size(),
            config.daemon.workers);
  log_pipelines(config, **connection);
  connection->reset();

  int code = 0;
  {
    Daemon daemon(DaemonOptions{config_path, url->url.reveal(), holder}, state);
    code = daemon.run();
  }
  log->info("sluiced stopped");
  return code;
}

}  // namespace

// The process edge: an exception that escapes start-up or the event loop ends the process
// with a message and exit code 1, not std::terminate's abort.
int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "sluiced: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "sluiced: unexpected error of unknown type\n";
  }
  return 1;
}

}  // namespace sluice::daemon
