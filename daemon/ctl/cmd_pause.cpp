// `sluicectl pause PIPELINE...` / `unpause PIPELINE...`: the pipelines table's switch, seen
// by every daemon at its next claim (the claim passes over paused pipelines). Windows already
// running finish; new ones are still generated and wait.
#include <memory>
#include <ostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "daemon/ctl/database.hpp"
#include "daemon/ctl/loaded_config.hpp"
#include "daemon/ctl/output.hpp"
#include "framework/store/operator.hpp"

namespace sluice::ctl {
namespace {

int run_pause(Context& ctx, const std::vector<std::string>& ids, bool paused) {
  const auto config = load_named_pipelines(ctx, ids);
  for (const auto& id : ids) find_pipeline(config, id);  // all checked before any change
  auto connection = open_database(ctx);
  store::Operator op(*connection, operator_identity());
  nlohmann::json out = nlohmann::json::array();
  for (const auto& id : ids) {
    const store::AuditEntry audit{.actor = operator_identity(),
                                  .command = paused ? "pause" : "unpause",
                                  .pipeline = PipelineId{id}};
    auto changed = op.set_paused(PipelineId{id}, paused, audit);
    if (!changed) throw Failure(changed.error());
    out.push_back({{"pipeline", id}, {"paused", paused}, {"changed", *changed}});
    if (ctx.output == Output::table)
      *ctx.out << id
               << (*changed ? (paused ? ": paused\n" : ": unpaused\n")
                            : (paused ? ": already paused\n" : ": was not paused\n"));
  }
  if (ctx.output == Output::json) *ctx.out << json_text(out) << "\n";
  return kExitOk;
}

}  // namespace

void add_pause_command(CLI::App& app, Context& ctx) {
  for (const bool paused : {true, false}) {
    auto* cmd =
        app.add_subcommand(paused ? "pause" : "unpause",
                           paused ? "stop claiming new windows of pipelines (running ones finish)"
                                  : "let paused pipelines run again");
    auto ids = std::make_shared<std::vector<std::string>>();
    cmd->add_option("pipeline", *ids, "pipeline ids")->required();
    cmd->callback([&ctx, ids, paused] { ctx.exit_code = run_pause(ctx, *ids, paused); });
  }
}

}  // namespace sluice::ctl
