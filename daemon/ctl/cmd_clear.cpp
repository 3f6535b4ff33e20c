// `sluicectl clear PIPELINE (--from T --to T | --window T | --id ID) [--only-failed]`:
// deletes the records (and their events) so the windows are missing again, for the
// schedule or `backfill` to make anew. A running window is left to its run.
#include <memory>

#include <CLI/CLI.hpp>

#include "daemon/ctl/selection.hpp"

namespace sluice::ctl {

void add_clear_command(CLI::App& app, Context& ctx) {
  auto* cmd =
      app.add_subcommand("clear", "delete records and their events: the windows become missing");
  auto o = std::make_shared<SelectionOptions>();
  cmd->add_option("pipeline", o->pipeline, "pipeline id")->required();
  add_selection_options(*cmd, *o, false);
  cmd->callback([&ctx, o] {
    using enum store::Status;
    ctx.exit_code =
        run_record_action(ctx, *o, "clear", {pending, success, skipped, failed},
                          [](store::Operator& op, const store::RecordSelection& s,
                             const store::AuditEntry& audit) { return op.clear(s, audit); });
  });
}

}  // namespace sluice::ctl
