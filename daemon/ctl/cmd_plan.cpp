// `sluicectl plan PIPELINE [--from T] [--to T] [--downstream] [--upstream]`: the pipelines
// and windows that would run, in order, in levels that may run at once, with each window's
// state (done, running, failed, missing, not due, ready, blocked by what).
#include <memory>
#include <ostream>

#include <CLI/CLI.hpp>

#include "daemon/ctl/database.hpp"
#include "daemon/ctl/loaded_config.hpp"
#include "daemon/ctl/numbers.hpp"
#include "daemon/ctl/output.hpp"
#include "daemon/ops/plan.hpp"

namespace sluice::ctl {
namespace {

int run_plan(Context& ctx, const ops::PlanInput& in) {
  const auto config = load_all_pipelines(ctx);
  auto connection = open_database(ctx);
  store::Operator op(*connection, operator_identity());
  const Instant now = std::chrono::floor<Seconds>(std::chrono::system_clock::now());
  const auto plan = take(ops::make_plan(op, config, in, now, ops::Dialect::cli));
  if (ctx.output == Output::json) {
    *ctx.out << json_text(ops::plan_json(plan)) << "\n";
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (std::size_t level = 0; level < plan.levels.size(); ++level) {
    for (const auto& p : plan.levels[level]) {
      for (const auto& w : p.windows)
        rows.push_back({std::to_string(level), p.pipeline->id.value,
                        time::format_in_zone(w.window.start, p.pipeline->zone),
                        time::format_in_zone(w.window.end, p.pipeline->zone), w.state,
                        w.detail.empty() ? "-" : w.detail});
      if (p.more > 0)
        rows.push_back({std::to_string(level), p.pipeline->id.value, "...", "...",
                        std::to_string(p.more) + " more", "-"});
    }
  }
  print_table(*ctx.out, {"LEVEL", "PIPELINE", "WINDOW_START", "WINDOW_END", "STATE", "DETAIL"},
              rows);
  return kExitOk;
}

}  // namespace

void add_plan_command(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand(
      "plan", "the windows that would run, in dependency levels, with their state");
  auto in = std::make_shared<ops::PlanInput>();
  cmd->add_option("pipeline", in->pipeline, "pipeline id")->required();
  cmd->add_option("--from", in->from,
                  "windows starting at or after (default: a day before now; YYYY-MM-DD or an "
                  "instant with offset)");
  cmd->add_option("--to", in->to, "windows starting before (default: now)");
  cmd->add_flag("--downstream", in->downstream,
                "also the pipelines that depend on it, over the windows overlapping these");
  cmd->add_flag("--upstream", in->upstream,
                "also the pipelines it depends on, over the windows these wait for");
  cmd->add_option("-n,--limit", in->max_windows,
                  "at most this many windows per pipeline (default 1000; the rest are counted)")
      ->check(count_from(1, 100000));
  cmd->callback([&ctx, in] { ctx.exit_code = run_plan(ctx, *in); });
}

}  // namespace sluice::ctl
