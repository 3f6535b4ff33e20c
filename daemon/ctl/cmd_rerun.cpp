// `sluicectl rerun PIPELINE (--from T --to T | --window T | --id ID) [--only-failed]`:
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
  cmd->add_option("pipeline", o->pipeline, "pipeline id")->required();
  add_selection_options(*cmd, *o, false);
  cmd->callback([&ctx, o] {
    using enum store::Status;
    ctx.exit_code = run_record_action(
        ctx, *o, "rerun", {success, skipped, failed},
        [](store::Operator& op, const store::RecordSelection& s, const store::AuditEntry& audit) {
          return op.rerun(s, Trigger::manual, audit);
        });
  });
}

}  // namespace sluice::ctl
