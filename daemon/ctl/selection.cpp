#include "daemon/ctl/selection.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "daemon/ctl/database.hpp"
#include "daemon/ctl/loaded_config.hpp"
#include "daemon/ctl/numbers.hpp"
#include "daemon/ctl/output.hpp"
#include "daemon/ops/downstream.hpp"

namespace sluice::ctl {

void add_selection_options(CLI::App& cmd, SelectionOptions& o, bool listing) {
  cmd.add_option("--from", o.from,
                 "windows starting at or after (YYYY-MM-DD, or an instant with offset)");
  cmd.add_option("--to", o.to, "windows starting before (exclusive)");
  cmd.add_option("--id", o.ids, "record ids")->check(record_id());
  if (listing) {
    cmd.add_option("--status", o.statuses, "PENDING, IN_PROGRESS, SUCCESS, SKIPPED or FAILED");
    cmd.add_option("--trigger", o.trigger, "scheduled, backfill or manual");
    cmd.add_option("--tag", o.tags,
                   "only pipelines whose config `tags` hold this one (repeatable: any of them)");
  } else {
    cmd.add_option("--window", o.windows, "the window holding this instant (repeatable)");
    cmd.add_flag("--only-failed", o.only_failed, "only FAILED records");
  }
}

}  // namespace sluice::ctl

namespace sluice::ctl {

int run_record_action(Context& ctx, const SelectionOptions& o, const std::string& verb,
                      const std::vector<store::Status>& acts_on, const RecordAction& act,
                      bool downstream) {
  // --downstream walks the graph below the pipeline: every file.
  const auto config = downstream || o.pipeline.empty() ? load_all_pipelines(ctx)
                                                       : load_named_pipelines(ctx, {o.pipeline});
  auto s = take(ops::resolve_selection(config, o, ops::Dialect::cli));
  auto connection = open_database(ctx);
  store::Operator op(*connection, operator_identity());
  take(ops::narrow_to_windows(op, s, ops::Dialect::cli));
  const auto steps = take(ops::plan_steps(op, config, s, acts_on, downstream));
  std::int64_t will_change = 0;
  std::string what;
  for (const auto& step : steps) {
    will_change += step.plan.will_change;
    if (step.plan.will_change == 0) continue;
    what +=
        (what.empty() ? "" : ", ") + std::to_string(step.plan.will_change) + " of " + step.pipeline;
  }
  if (will_change > 0) {
    confirm(ctx, steps.size() == 1 ? verb + " " + std::to_string(will_change) + " record(s) of " +
                                         steps.front().pipeline
                                   : verb + " record(s): " + what);
  }
  nlohmann::json arguments = {{"from", o.from},
                              {"to", o.to},
                              {"window", o.windows},
                              {"id", s.records.ids},
                              {"only_failed", o.only_failed}};
  if (downstream) arguments["downstream"] = true;
  nlohmann::json results = nlohmann::json::array();
  for (const auto& step : steps) {
    store::AuditEntry audit{
        .actor = operator_identity(), .command = verb, .pipeline = PipelineId{step.pipeline}};
    audit.arguments = arguments;
    if (step.pipeline != steps.front().pipeline)
      audit.arguments["downstream_of"] = steps.front().pipeline;
    std::int64_t done = 0;
    if (step.plan.will_change > 0) {
      auto r = act(op, step.plan.changed, audit);
      if (!r) throw Failure(r.error());
      done = *r;
    }
    results.push_back({{"pipeline", step.pipeline},
                       {"action", verb},
                       {"changed", done},
                       {"left_alone", step.plan.left_alone}});
  }
  if (ctx.output == Output::json) {
    // As the API answers: the pipeline's object, and with --downstream the others under
    // `downstream`, parents first.
    nlohmann::json out = results.front();
    if (downstream) out["downstream"] = nlohmann::json(results.begin() + 1, results.end());
    *ctx.out << json_text(out) << "\n";
    return kExitOk;
  }
  for (const auto& r : results) {
    *ctx.out << verb << ": " << r["changed"].get<std::int64_t>() << " record(s) of "
             << r["pipeline"].get<std::string>();
    if (r["left_alone"].get<std::int64_t>() > 0)
      *ctx.out << "; " << r["left_alone"].get<std::int64_t>()
               << " left alone (running, pending or not selected)";
    *ctx.out << "\n";
  }
  return kExitOk;
}

}  // namespace sluice::ctl
