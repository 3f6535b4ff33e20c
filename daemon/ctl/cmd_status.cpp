// `sluicectl status [PIPELINE...]`: per pipeline, the last success, the backlog, what runs,
// what failed, and when the next window falls due.
#include <chrono>
#include <memory>
#include <ostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "daemon/ctl/database.hpp"
#include "daemon/ctl/loaded_config.hpp"
#include "daemon/ctl/output.hpp"
#include "daemon/ops/views.hpp"
#include "framework/store/operator.hpp"

namespace sluice::ctl {
namespace {

int run_status(Context& ctx, const std::vector<std::string>& only) {
  const auto config = load_pipelines(ctx);
  std::vector<const config::PipelineConfig*> pipelines;
  pipelines.reserve(only.empty() ? config.pipelines.size() : only.size());
  for (const auto& id : only) pipelines.push_back(&find_pipeline(config, id));
  if (only.empty())
    for (const auto& p : config.pipelines) pipelines.push_back(&p);
  std::vector<std::string> ids;
  ids.reserve(pipelines.size());
  for (const auto* p : pipelines) ids.push_back(p->id.value);

  auto connection = open_database(ctx);
  store::Operator op(*connection, operator_identity());
  auto counts = op.counts(ids);
  if (!counts) throw Failure(counts.error());
  const Instant now = std::chrono::floor<Seconds>(std::chrono::system_clock::now());

  nlohmann::json list = nlohmann::json::array();
  std::vector<std::vector<std::string>> rows;
  for (const auto& st : ops::pipeline_statuses(config, std::move(*counts), now)) {
    list.push_back(ops::pipeline_status_json(st));
    const auto zone = st.pipeline->zone;
    std::string due_text = format_time(st.next_due, zone);
    if (st.next_due && *st.next_due <= now) due_text += " (due now)";
    rows.push_back({st.counts.pipeline, st.paused ? "paused" : "active",
                    format_time(st.counts.last_success_end, zone),
                    std::to_string(st.counts.pending), std::to_string(st.counts.running),
                    std::to_string(st.counts.failed), due_text});
  }
  if (ctx.output == Output::json) {
    *ctx.out << json_text(list) << "\n";
  } else {
    print_table(*ctx.out,
                {"PIPELINE", "STATE", "LAST_SUCCESS", "BACKLOG", "RUNNING", "FAILED", "NEXT_DUE"},
                rows);
  }
  return kExitOk;
}

}  // namespace

void add_status_command(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("status",
                                 "per pipeline: last success, backlog, running, failed, next due");
  auto only = std::make_shared<std::vector<std::string>>();
  cmd->add_option("pipeline", *only, "only these pipelines (default: all)");
  cmd->callback([&ctx, only] { ctx.exit_code = run_status(ctx, *only); });
}

}  // namespace sluice::ctl
