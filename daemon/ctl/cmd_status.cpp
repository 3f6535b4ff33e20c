// `sluicectl status [PIPELINE...]`: per pipeline, the last success, the backlog, what runs,
// what failed, and when the next window falls due; a pipeline file with errors as `config
// error` with its place (this host's own load of the files).
#include <algorithm>
#include <chrono>
#include <memory>
#include <ostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "daemon/ctl/database.hpp"
#include "daemon/ctl/loaded_config.hpp"
#include "daemon/ctl/output.hpp"
#include "daemon/ops/pools.hpp"
#include "daemon/ops/selection.hpp"
#include "daemon/ops/views.hpp"
#include "framework/store/operator.hpp"

namespace sluice::ctl {
namespace {

struct StatusOptions {
  std::vector<std::string> only, tags;
  bool pools = false;
  bool no_cache = false;
};

// The daemon file's pools and their use, fleet-wide; empty when it defines none.
std::vector<ops::PoolView> pools_of(store::Connection& connection, const config::Config& config) {
  auto pools = ops::pool_views(connection, config);
  if (!pools) throw Failure(pools.error());
  return std::move(*pools);
}

void print_pools(std::ostream& out, const std::vector<ops::PoolView>& pools) {
  std::vector<std::vector<std::string>> rows;
  rows.reserve(pools.size());
  for (const auto& p : pools)
    rows.push_back({p.name, std::to_string(p.size), std::to_string(p.use.slots_used),
                    std::to_string(p.use.running), std::to_string(p.use.waiting)});
  print_table(out, {"POOL", "SIZE", "SLOTS_IN_USE", "RUNNING", "WAITING"}, rows);
}

// `status --pools`: the pools alone, as GET /api/v1/pools answers them.
int run_pools(Context& ctx) {
  const auto config = load_all_pipelines(ctx, false);
  auto connection = open_database(ctx);
  const auto pools = pools_of(*connection, config);
  if (ctx.output == Output::json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& p : pools) list.push_back(ops::pool_json(p));
    *ctx.out << json_text(nlohmann::json{{"pools", list}}) << "\n";
  } else {
    print_pools(*ctx.out, pools);
  }
  return kExitOk;
}

int run_status(Context& ctx, const StatusOptions& o) {
  if (o.pools && (!o.only.empty() || !o.tags.empty()))
    throw UsageError("--pools lists every pool: it takes no pipeline and no --tag");
  if (o.pools) return run_pools(ctx);
  // Pipelines named without --tag: their files alone, unless the pools' table (every
  // pipeline's pool) is printed. Quarantined ones are rows here.
  const bool named = !o.only.empty() && o.tags.empty();
  std::unique_ptr<store::Connection> connection;
  auto config = named ? load_named_pipelines(ctx, o.only, false)
                      : load_pipeline_summaries(ctx, connection, false, !o.no_cache);
  if (named && ctx.output != Output::json && !config.daemon.pools.empty())
    config = load_pipeline_summaries(ctx, connection, false, !o.no_cache);
  std::vector<std::string> ids;
  for (const auto& id : o.only) {
    if (!config.find_quarantined(id)) find_pipeline(config, id);  // refuses an unknown one
    ids.push_back(id);
  }
  if (o.only.empty()) {
    for (const auto& p : config.pipelines) ids.push_back(p.id.value);
    for (const auto& q : config.quarantined) ids.push_back(q.pipeline.value);
  }
  // A quarantined file has no tags to match: --tag leaves it out.
  if (!o.tags.empty()) {
    const auto tagged = take(ops::tagged_pipelines(config, o.tags, ops::Dialect::cli));
    std::erase_if(ids, [&](const std::string& id) {
      return std::none_of(tagged.begin(), tagged.end(),
                          [&](const config::PipelineConfig* p) { return p->id.value == id; });
    });
  }

  if (!connection) connection = open_database(ctx);
  store::Operator op(*connection, operator_identity());
  auto counts = op.counts(ids, ops::may_wait(config));
  if (!counts) throw Failure(counts.error());
  const Instant now = std::chrono::floor<Seconds>(std::chrono::system_clock::now());

  nlohmann::json list = nlohmann::json::array();
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> errors;  // under the table: too long for a column
  for (const auto& st : ops::pipeline_statuses(config, std::move(*counts), now)) {
    if (ctx.output == Output::json) list.push_back(ops::pipeline_status_json(st));
    const auto zone = st.zone;
    std::string due_text = format_time(st.next_due, zone);
    if (st.next_due && *st.next_due <= now) due_text += " (due now)";
    std::string state = st.paused ? "paused" : "active";
    if (st.config_error) {
      state = "config error";
      errors.push_back(st.counts.pipeline + ": " + config::config_error_text(*st.config_error));
    }
    if (!st.counts.waiting_on.empty())
      errors.push_back(st.counts.pipeline + ": " + st.counts.waiting_on);
    rows.push_back({st.counts.pipeline, state, format_time(st.counts.last_success_end, zone),
                    std::to_string(st.counts.pending), std::to_string(st.counts.running),
                    std::to_string(st.counts.failed), due_text});
  }
  if (ctx.output == Output::json) {
    *ctx.out << json_text(list) << "\n";
  } else {
    print_table(*ctx.out,
                {"PIPELINE", "STATE", "LAST_SUCCESS", "BACKLOG", "RUNNING", "FAILED", "NEXT_DUE"},
                rows);
    for (const auto& line : errors) *ctx.out << line << "\n";
    if (!config.daemon.pools.empty()) {
      *ctx.out << "\n";
      print_pools(*ctx.out, pools_of(*connection, config));
    }
  }
  return kExitOk;
}

}  // namespace

void add_status_command(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("status",
                                 "per pipeline: last success, backlog, running, failed, next due");
  auto o = std::make_shared<StatusOptions>();
  cmd->add_option("pipeline", o->only, "only these pipelines (default: all)");
  cmd->add_option("--tag", o->tags,
                  "only pipelines whose config `tags` hold this one (repeatable: any of them)");
  cmd->add_flag("--pools", o->pools,
                "the daemon file's pools instead: size, slots in use, running and waiting "
                "windows");
  cmd->add_flag("--no-cache", o->no_cache,
                "read and check every pipeline file, without the entry kept from the last call "
                "(README: status and its cache)");
  cmd->callback([&ctx, o] { ctx.exit_code = run_status(ctx, *o); });
}

}  // namespace sluice::ctl
