// `sluicectl mark-success PIPELINE WINDOW --reason TEXT`: accept a FAILED window as it is
// (status SUCCESS, audit_result ACCEPTED), with the reason kept in its event and the audit log.
#include <memory>
#include <ostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "daemon/ctl/database.hpp"
#include "daemon/ctl/loaded_config.hpp"
#include "daemon/ctl/output.hpp"
#include "daemon/ops/accept.hpp"

namespace sluice::ctl {
namespace {

int run_mark_success(Context& ctx, const ops::AcceptInput& in) {
  const auto config = load_named_pipelines(ctx, {in.pipeline});
  const auto order = take(ops::resolve_accept(config, in, ops::Dialect::cli));
  auto connection = open_database(ctx);
  store::Operator op(*connection, operator_identity());
  const auto done =
      take(ops::mark_success(op, order, store::AuditEntry{.actor = operator_identity()}));
  if (ctx.output == Output::json) {
    *ctx.out << json_text(ops::accepted_json(done)) << "\n";
    return kExitOk;
  }
  *ctx.out << "mark-success: " << done.pipeline->id.value << " window "
           << time::format_in_zone(done.window_start, done.pipeline->zone) << " (record " << done.id
           << ") is SUCCESS, audit result ACCEPTED\n";
  return kExitOk;
}

}  // namespace

void add_mark_success_command(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand(
      "mark-success", "accept a FAILED window as it is: SUCCESS with audit result ACCEPTED");
  auto in = std::make_shared<ops::AcceptInput>();
  cmd->add_option("pipeline", in->pipeline, "pipeline id")->required();
  cmd->add_option("window", in->window,
                  "the window holding this instant (YYYY-MM-DD, or an instant with offset)")
      ->required();
  cmd->add_option("--reason", in->reason,
                  "why the window is accepted (required; at most 1000 characters); kept in the "
                  "record's events and the audit log")
      ->required();
  cmd->callback([&ctx, in] { ctx.exit_code = run_mark_success(ctx, *in); });
}

}  // namespace sluice::ctl
