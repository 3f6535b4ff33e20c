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
#include "framework/store/operator.hpp"

namespace sluice::ctl {
namespace {

// When the schedule's next window becomes due: the window after the last one it generated
// (or the first from start_date), due at end + x_time_back. nullopt past end_date.
std::optional<Instant> next_due(const time::WindowSpec& spec, std::optional<Instant> last_end) {
  Instant start = last_end ? std::max(*last_end, spec.start) : spec.start;
  if (time::floor_boundary(spec, start) != start) start = time::next_boundary(spec, start);
  const Instant end = time::next_boundary(spec, start);
  if (spec.end && end > *spec.end) return std::nullopt;
  return time::add(end, spec.x_time_back);
}

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
  for (const auto& c : *counts) {
    const auto& p = *config.find_pipeline(c.pipeline);
    const auto due = next_due(p.window, c.last_generated_end);
    const bool paused = c.paused || p.paused;
    std::string due_text = due ? time::format_in_zone(*due, p.zone) : "-";
    if (due && *due <= now) due_text += " (due now)";
    list.push_back({{"pipeline", c.pipeline},
                    {"paused", paused},
                    {"last_success", c.last_success_end ? nlohmann::json(time::format_in_zone(
                                                              *c.last_success_end, p.zone))
                                                        : nlohmann::json()},
                    {"backlog", c.pending},
                    {"running", c.running},
                    {"failed", c.failed},
                    {"succeeded", c.success + c.skipped},
                    {"next_due",
                     due ? nlohmann::json(time::format_in_zone(*due, p.zone)) : nlohmann::json()}});
    rows.push_back({c.pipeline, paused ? "paused" : "active",
                    format_time(c.last_success_end, p.zone), std::to_string(c.pending),
                    std::to_string(c.running), std::to_string(c.failed), due_text});
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
