#include "daemon/ctl/selection.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "daemon/ctl/database.hpp"
#include "daemon/ctl/loaded_config.hpp"
#include "daemon/ctl/numbers.hpp"
#include "daemon/ctl/output.hpp"

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
                      std::vector<store::Status> acts_on, const RecordAction& act) {
  const auto config = load_pipelines(ctx);
  auto s = take(ops::resolve_selection(config, o, ops::Dialect::cli));
  auto connection = open_database(ctx);
  store::Operator op(*connection, operator_identity());
  take(ops::narrow_to_windows(op, s, ops::Dialect::cli));
  const auto plan = take(ops::plan_action(op, s, std::move(acts_on)));
  const std::int64_t left = plan.left_alone;
  if (plan.will_change > 0) {
    confirm(ctx, verb + " " + std::to_string(plan.will_change) + " record(s) of " +
                     s.records.pipeline->value);
  }
  store::AuditEntry audit{
      .actor = operator_identity(), .command = verb, .pipeline = s.records.pipeline};
  audit.arguments = {{"from", o.from},
                     {"to", o.to},
                     {"window", o.windows},
                     {"id", s.records.ids},
                     {"only_failed", o.only_failed}};
  std::int64_t done = 0;
  if (plan.will_change > 0) {
    auto r = act(op, plan.changed, audit);
    if (!r) throw Failure(r.error());
    done = *r;
  }
  if (ctx.output == Output::json) {
    *ctx.out << json_text(nlohmann::json{{"pipeline", s.records.pipeline->value},
                                         {"action", verb},
                                         {"changed", done},
                                         {"left_alone", left}})
             << "\n";
  } else {
    *ctx.out << verb << ": " << done << " record(s) of " << s.records.pipeline->value;
    if (left > 0) *ctx.out << "; " << left << " left alone (running, pending or not selected)";
    *ctx.out << "\n";
  }
  return kExitOk;
}

}  // namespace sluice::ctl
