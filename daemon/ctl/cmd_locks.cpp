// `sluicectl locks list` and `locks release (--stale | --id ID...)`: the run-ID locks of
// running windows. Releasing takes a window from its run; the run's next fenced write then
// finds no row and it stops writing (what fencing is for).
#include <memory>
#include <ostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "daemon/ctl/database.hpp"
#include "daemon/ctl/loaded_config.hpp"
#include "daemon/ctl/numbers.hpp"
#include "daemon/ctl/output.hpp"
#include "daemon/ops/views.hpp"
#include "framework/store/operator.hpp"
#include "framework/store/records.hpp"

namespace sluice::ctl {
namespace {

using nlohmann::json;

struct LocksOptions {
  std::string pipeline;
  bool stale = false;
  std::vector<std::int64_t> ids;
};

store::RecordSelection running(const config::Config& config, const LocksOptions& o) {
  store::RecordSelection s;
  if (!o.pipeline.empty()) s.pipeline = find_pipeline(config, o.pipeline).id;
  s.statuses = {store::Status::in_progress};
  s.ids = o.ids;
  return s;
}

int run_list(Context& ctx, const LocksOptions& o) {
  const auto config = load_all_pipelines(ctx);
  const auto selection = running(config, o);
  auto connection = open_database(ctx);
  store::Operator op(*connection, operator_identity());
  auto rows = op.list(selection, 100000);
  if (!rows) throw Failure(rows.error());
  json list = json::array();
  std::vector<std::vector<std::string>> table;
  for (const auto& r : *rows) {
    auto lock = ops::lock_json(config, r);
    table.push_back({std::to_string(r.id), r.pipeline, format_utc(r.window_start), r.run,
                     r.locked_by,
                     std::to_string(lock["lease_age_seconds"].get<std::int64_t>()) + "s",
                     lock["stale"].get<bool>() ? "yes" : "no"});
    list.push_back(std::move(lock));
  }
  if (ctx.output == Output::json) {
    *ctx.out << json_text(list) << "\n";
  } else {
    print_table(*ctx.out, {"ID", "PIPELINE", "WINDOW_START", "RUN", "HOLDER", "LEASE_AGE", "STALE"},
                table);
  }
  return kExitOk;
}

int run_release(Context& ctx, const LocksOptions& o) {
  if (o.stale == !o.ids.empty())
    throw UsageError("locks release needs --stale or --id ID (one of them)");
  for (auto id : o.ids)
    if (id <= 0) throw UsageError("--id: " + std::to_string(id) + " is not a record id");
  const auto config = load_all_pipelines(ctx);
  const auto selection = running(config, o);
  auto connection = open_database(ctx);
  std::int64_t released = 0;
  if (o.stale) {
    confirm(ctx,
            "release the stale locks" + (o.pipeline.empty() ? std::string() : " of " + o.pipeline));
    // The cleanup the daemon runs on its timer, with the config's thresholds and retries.
    std::vector<store::StaleLimit> limits;
    for (const auto& p : config.pipelines)
      if (o.pipeline.empty() || p.id.value == o.pipeline)
        limits.push_back({p.id, p.stale_threshold.fixed, p.retries.max});
    // Pipelines the config does not know are not ours to judge: an unreachable threshold.
    const store::StaleLimit others{
        PipelineId{""}, std::chrono::seconds(std::numeric_limits<std::int32_t>::max()), 0};
    store::Records records(*connection, operator_identity());
    auto report = records.expire_stale_locks(limits, others);
    if (!report) throw Failure(report.error());
    released = report->returned_to_pending + report->failed;
    store::Operator op(*connection, operator_identity());
    store::AuditEntry audit{.actor = operator_identity(), .command = "locks release --stale"};
    if (!o.pipeline.empty()) audit.pipeline = PipelineId{o.pipeline};
    if (auto a = op.record_audit(audit, released); !a) throw Failure(a.error());
  } else {
    store::Operator op(*connection, operator_identity());
    auto rows = op.list(store::RecordSelection{.ids = o.ids}, static_cast<int>(o.ids.size()));
    if (!rows) throw Failure(rows.error());
    for (auto id : o.ids) {
      const auto found =
          std::find_if(rows->begin(), rows->end(), [&](const auto& r) { return r.id == id; });
      if (found == rows->end()) throw UsageError("no record " + std::to_string(id));
      if (found->status != "IN_PROGRESS")
        throw UsageError("record " + std::to_string(id) + " is " + found->status + ", not locked");
    }
    confirm(ctx, "take " + std::to_string(o.ids.size()) + " running window(s) from their run");
    const store::AuditEntry audit{
        .actor = operator_identity(), .command = "locks release", .arguments = {{"id", o.ids}}};
    auto n = op.release(selection, audit);
    if (!n) throw Failure(n.error());
    released = *n;
  }
  if (ctx.output == Output::json) {
    *ctx.out << json_text(json{{"released", released}}) << "\n";
  } else {
    *ctx.out << "released " << released << " lock(s)\n";
  }
  return kExitOk;
}

}  // namespace

void add_locks_command(CLI::App& app, Context& ctx) {
  auto* locks = app.add_subcommand("locks", "the run-ID locks of running windows");
  locks->require_subcommand(1);
  auto o = std::make_shared<LocksOptions>();
  auto* list =
      locks->add_subcommand("list", "running windows: holder, run ID, lease age, stale or not");
  list->add_option("-p,--pipeline", o->pipeline, "pipeline id");
  list->callback([&ctx, o] { ctx.exit_code = run_list(ctx, *o); });
  auto* release = locks->add_subcommand(
      "release", "free stale locks now, or take given windows from their run");
  release->add_option("-p,--pipeline", o->pipeline, "pipeline id");
  release->add_flag("--stale", o->stale,
                    "locks older than the pipeline's stale_threshold (what cleanup frees)");
  release->add_option("--id", o->ids, "record ids to take from their run, stale or not")
      ->check(record_id());
  release->callback([&ctx, o] { ctx.exit_code = run_release(ctx, *o); });
}

}  // namespace sluice::ctl
