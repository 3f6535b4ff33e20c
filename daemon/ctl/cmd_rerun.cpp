// `sluicectl rerun PIPELINE (--from T --to T | --window T | --id ID) [--only-failed] [--force]
// [--downstream]`:
// finished windows back to PENDING with a clean slate, run again from the first task.
// A running window is left to its run.
#include <memory>

#include <CLI/CLI.hpp>

#include "daemon/ctl/selection.hpp"

namespace sluice::ctl {

void add_rerun_command(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand(
      "rerun", "run finished windows again (SUCCESS, SKIPPED, FAILED -> PENDING)");
  auto o = std::make_shared<SelectionOptions>();
  auto force = std::make_shared<bool>(false);
  auto downstream = std::make_shared<bool>(false);
  cmd->add_option("pipeline", o->pipeline, "pipeline id")->required();
  add_selection_options(*cmd, *o, false);
  cmd->add_flag("--force", *force,
                "reload even when pre-validation finds the target holding the source's count "
                "(data corrected at the source); the audit still runs");
  cmd->add_flag("--downstream", *downstream,
                "also rerun the windows of every pipeline that depends on it (depends_on, "
                "transitively) overlapping the selected ones; parents first");
  cmd->callback([&ctx, o, force, downstream] {
    using enum store::Status;
    ctx.exit_code = run_record_action(
        ctx, *o, "rerun", {success, skipped, failed},
        [force](store::Operator& op, const store::RecordSelection& s,
                const store::AuditEntry& audit) {
          store::AuditEntry a = audit;
          a.arguments["force"] = *force;
          return op.rerun(s, Trigger::manual, a, *force);
        },
        *downstream);
  });
}

}  // namespace sluice::ctl
