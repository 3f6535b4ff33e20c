// `sluicectl run-once`: generate the due windows and run them to the end with N workers,
// without a daemon. What a cron job or a CI step calls; also the quickstart's first pass.
#include <algorithm>
#include <memory>
#include <ostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "daemon/ctl/database.hpp"
#include "daemon/ctl/loaded_config.hpp"
#include "daemon/ctl/numbers.hpp"
#include "daemon/ctl/output.hpp"
#include "framework/store/migrations.hpp"
#include "tasks/backfill.hpp"
#include "tasks/dependencies.hpp"
#include "tasks/runner.hpp"
#include "tasks/runtime_from_config.hpp"

namespace sluice::ctl {
namespace {

struct RunOnceOptions {
  std::vector<std::string> pipelines;
  int workers = 0;
};

int run_once(Context& ctx, const RunOnceOptions& o) {
  const auto config = load_all_pipelines(ctx);
  for (const auto& id : o.pipelines) find_pipeline(config, id);
  if (o.workers < 0) throw UsageError("--workers must be at least 1");
  auto connection = open_database(ctx);
  if (auto checked = store::check_schema(*connection, "sluicectl"); !checked)
    throw Failure(checked.error());

  // The claim reads depends_on from the database: what this config says is what it checks.
  if (auto registered = tasks::register_dependencies(*connection, config); !registered)
    throw Failure(registered.error());
  const auto configured = tasks::runtimes_from_config(config);
  std::vector<std::shared_ptr<const tasks::PipelineRuntime>> runtimes;
  for (const auto& r : configured)
    if (o.pipelines.empty() ||
        std::find(o.pipelines.begin(), o.pipelines.end(), r->id.value) != o.pipelines.end())
      runtimes.push_back(r);
  tasks::RunnerOptions options;
  options.database_url = resolve_database_url(ctx);
  options.workers = o.workers > 0 ? o.workers : config.daemon.workers;
  options.heartbeat_interval = std::chrono::duration_cast<std::chrono::milliseconds>(
      config.daemon.scheduler.heartbeat_interval.fixed);
  options.keep_failed = config.daemon.stage.keep_failed;
  options.generate_batch = config.daemon.scheduler.max_windows_per_tick;
  // As sluiced frees them: every pipeline's own threshold, the daemon's for the rest.
  options.stale = tasks::stale_policy(config);
  tasks::Runner runner(options, runtimes);
  const Instant now = std::chrono::floor<Seconds>(std::chrono::system_clock::now());
  // Backfill requests become windows first, so this pass runs them too; the second call
  // records the progress (and the end) of what the pass finished.
  const tasks::BackfillOptions backfill{
      .holder = tasks::default_holder(),
      .max_windows = config.daemon.scheduler.backfill_max_windows};
  auto taken = tasks::process_backfill_requests(*connection, runtimes, now, backfill);
  if (!taken) throw Failure(taken.error());
  const auto summary = runner.run_once(now);
  if (!summary) throw Failure(summary.error());
  auto finished = tasks::process_backfill_requests(*connection, runtimes, now, backfill);
  if (!finished) throw Failure(finished.error());
  const auto& s = *summary;
  // A pipeline that cannot run (its adapter is not in this build, ...) makes the pass fail.
  const std::size_t wanted = o.pipelines.empty() ? config.pipelines.size() : o.pipelines.size();
  const auto requests = static_cast<std::int64_t>(taken->taken.size() + finished->taken.size());
  if (ctx.output == Output::json) {
    *ctx.out << json_text(
                    nlohmann::json{{"pipelines", runtimes.size()},
                                   {"generated", s.generated},
                                   {"expired", s.expired},
                                   {"success", s.success},
                                   {"skipped", s.skipped},
                                   {"failed", s.failed},
                                   {"retry_scheduled", s.retries},
                                   {"released", s.released},
                                   {"lock_lost", s.lock_lost},
                                   {"store_errors", s.store_errors},
                                   {"rows", s.rows},
                                   {"backfill_requests", requests},
                                   {"backfill_finished", taken->finished + finished->finished},
                                   {"stage_swept", s.swept}})
             << "\n";
  } else {
    *ctx.out << "pipelines " << runtimes.size() << ": generated " << s.generated << ", success "
             << s.success << ", skipped " << s.skipped << ", failed " << s.failed
             << ", retry scheduled " << s.retries << ", rows " << s.rows;
    if (requests > 0) *ctx.out << ", backfill requests " << requests;
    if (s.swept > 0) *ctx.out << ", stage directories swept " << s.swept;
    *ctx.out << "\n";
  }
  return s.failed == 0 && s.store_errors == 0 && runtimes.size() == wanted ? kExitOk : kExitFailed;
}

}  // namespace

void add_run_once_command(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("run-once",
                                 "generate due windows and run them to the end, without a daemon");
  auto o = std::make_shared<RunOnceOptions>();
  cmd->add_option("pipeline", o->pipelines, "only these pipelines (default: all)");
  cmd->add_option("-w,--workers", o->workers, "parallel windows (default: the config's workers)")
      ->check(count_from(1, 1024));
  cmd->callback([&ctx, o] { ctx.exit_code = run_once(ctx, *o); });
}

}  // namespace sluice::ctl
