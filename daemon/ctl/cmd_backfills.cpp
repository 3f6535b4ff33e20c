// `sluicectl backfills list|show|cancel`: the backfill requests `sluicectl backfill` and
// the API record, their progress read from the records of their range, and cancelling one.
#include <memory>
#include <ostream>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "daemon/ctl/database.hpp"
#include "daemon/ctl/loaded_config.hpp"
#include "daemon/ctl/numbers.hpp"
#include "daemon/ctl/output.hpp"
#include "daemon/ops/backfill.hpp"
#include "daemon/ops/selection.hpp"

namespace sluice::ctl {
namespace {

using nlohmann::json;

struct BackfillsOptions {
  std::string pipeline;
  bool open_only = false;
  int limit = 100;
  std::int64_t id = 0;
};

std::string windows_done_text(const store::BackfillRequest& r) {
  return r.windows_total ? fmt::format("{}/{}", r.windows_done, *r.windows_total)
                         : fmt::format("{}/-", r.windows_done);
}

int list_backfills(Context& ctx, const BackfillsOptions& o) {
  std::optional<PipelineId> pipeline;
  if (!o.pipeline.empty()) {
    const auto config = load_pipelines(ctx);
    pipeline = take(ops::find_pipeline(config, o.pipeline))->id;
  }
  auto connection = open_database(ctx);
  store::Backfills backfills(*connection, operator_identity());
  auto list = backfills.list(pipeline, o.open_only, o.limit);
  if (!list) throw Failure(list.error());
  if (ctx.output == Output::json) {
    json out = json::array();
    for (const auto& r : *list) out.push_back(ops::backfill_request_json(r, std::nullopt));
    *ctx.out << json_text(out) << "\n";
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : *list)
    rows.push_back({std::to_string(r.id), r.pipeline.value, format_utc(r.from), format_utc(r.to),
                    std::string(to_string(r.reprocess)) + (r.force ? " --force" : ""), r.status,
                    windows_done_text(r), r.requested_by});
  print_table(*ctx.out,
              {"ID", "PIPELINE", "FROM", "TO", "REPROCESS", "STATUS", "DONE", "REQUESTED_BY"},
              rows);
  return kExitOk;
}

int show_backfill(Context& ctx, std::int64_t id) {
  auto connection = open_database(ctx);
  store::Backfills backfills(*connection, operator_identity());
  auto found = backfills.find(id);
  if (!found) throw Failure(found.error());
  if (!*found)
    throw UsageError("no backfill request " + std::to_string(id) +
                     " (see `sluicectl backfills list`)");
  auto progress = backfills.progress(id);
  if (!progress) throw Failure(progress.error());
  const auto view = ops::backfill_request_json(**found, *progress);
  if (ctx.output == Output::json) {
    *ctx.out << json_text(view) << "\n";
    return kExitOk;
  }
  for (const auto& [key, value] : view.items()) {
    if (key == "progress") continue;
    *ctx.out << fmt::format("{:<16}{}\n", key,
                            value.is_null()     ? "-"
                            : value.is_string() ? value.get<std::string>()
                                                : value.dump());
  }
  const auto& p = *progress;
  *ctx.out << fmt::format(
      "progress        {}/{} windows (success {}, skipped {}, failed {}, running {}, pending {}), "
      "{} rows\n",
      p.finished(), p.total, p.success, p.skipped, p.failed, p.running, p.pending, p.rows);
  return kExitOk;
}

int cancel_request(Context& ctx, std::int64_t id) {
  confirm(ctx, "cancel backfill request " + std::to_string(id) +
                   " (its queued windows that have not started are withdrawn)");
  auto connection = open_database(ctx);
  store::Backfills backfills(*connection, operator_identity());
  const store::AuditEntry audit{.actor = operator_identity(), .command = "backfills cancel"};
  const auto done = take(ops::cancel_backfill(backfills, id, audit));
  if (ctx.output == Output::json) {
    *ctx.out << json_text(done) << "\n";
    return kExitOk;
  }
  *ctx.out << fmt::format(
      "backfill request {} cancelled (was {}): {} queued windows withdrawn, {} running left to "
      "their run\n",
      id, done["was"].get<std::string>(), done["withdrawn"].get<std::int64_t>(),
      done["left_running"].get<std::int64_t>());
  return kExitOk;
}

}  // namespace

void add_backfills_command(CLI::App& app, Context& ctx) {
  auto* backfills =
      app.add_subcommand("backfills", "the backfill requests: list, progress, cancel");
  backfills->require_subcommand(1);
  auto o = std::make_shared<BackfillsOptions>();
  auto* list = backfills->add_subcommand("list", "requests, newest first");
  list->add_option("-p,--pipeline", o->pipeline, "only this pipeline's");
  list->add_flag("--open", o->open_only, "only requests still PENDING or RUNNING");
  list->add_option("-n,--limit", o->limit, "at most this many (default 100)")
      ->check(count_from(1, 100000));
  list->callback([&ctx, o] { ctx.exit_code = list_backfills(ctx, *o); });

  auto* show = backfills->add_subcommand("show", "one request and its progress");
  show->add_option("id", o->id, "request id")->required()->check(record_id());
  show->callback([&ctx, o] { ctx.exit_code = show_backfill(ctx, o->id); });

  auto* cancel = backfills->add_subcommand(
      "cancel", "end an open request: no more windows are planned, its queued ones are withdrawn");
  cancel->add_option("id", o->id, "request id")->required()->check(record_id());
  cancel->callback([&ctx, o] { ctx.exit_code = cancel_request(ctx, o->id); });
}

}  // namespace sluice::ctl
