// `sluicectl deploy PIPELINE [--with-children] [--dry-run]`: the plan first (one line per
// table: create, or there and how its columns compare with the pipeline's `ddl`), then the
// missing tables created, parents first. A table whose columns differ is reported, never
// altered: exit 1.
// `sluicectl undeploy PIPELINE [--with-children] [--drop-tables] [-y]`: the plan first, then
// the pipelines paused, children first (as `sluicectl pause` does, in audit_log), and with
// --drop-tables their tables dropped in the same order, after a confirmation. A table another
// pipeline still uses is kept.
#include <algorithm>
#include <memory>
#include <optional>
#include <ostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "daemon/ctl/database.hpp"
#include "daemon/ctl/loaded_config.hpp"
#include "daemon/ctl/output.hpp"
#include "daemon/ops/deploy.hpp"
#include "framework/store/operator.hpp"

namespace sluice::ctl {
namespace {

struct DeployOptions {
  std::string pipeline;
  bool with_children = false;
  bool dry_run = false;
  bool drop_tables = false;
};

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : "; ") + i;
  return out;
}

int run_deploy(Context& ctx, const DeployOptions& o) {
  const auto config = load_all_pipelines(ctx);
  const auto order =
      ops::with_descendants(config, find_pipeline(config, o.pipeline), o.with_children);
  auto plan = ops::plan_deploy(config, order);
  if (!plan) throw Failure(plan.error());
  const bool changes = std::any_of(plan->begin(), plan->end(), [](const ops::TablePlan& t) {
    return t.action == ops::TablePlan::Action::create;
  });
  std::optional<Error> failed;
  if (changes && !o.dry_run) {
    if (auto created = ops::create_tables(config, *plan); !created) failed = created.error();
  }
  bool trouble = failed.has_value();
  nlohmann::json out = nlohmann::json::array();
  std::vector<std::vector<std::string>> rows;
  for (const auto& t : *plan) {
    using A = ops::TablePlan::Action;
    trouble = trouble || t.action == A::differs || t.action == A::missing;
    std::string state(ops::to_string(t.action));
    if (t.action == A::differs) state += ": " + joined(t.differences);
    if (t.action == A::create) state += t.done ? ": created" : (o.dry_run ? " (dry run)" : "");
    rows.push_back({t.pipeline->id.value, t.connection, t.table.empty() ? "-" : t.table, state});
    out.push_back({{"pipeline", t.pipeline->id.value},
                   {"connection", t.connection},
                   {"table", t.table},
                   {"action", std::string(ops::to_string(t.action))},
                   {"differences", t.differences},
                   {"created", t.done}});
  }
  if (ctx.output == Output::json) {
    *ctx.out << json_text(out) << "\n";
  } else {
    *ctx.out << "deploy plan (parents first)" << (o.dry_run ? ", dry run" : "") << ":\n";
    print_table(*ctx.out, {"PIPELINE", "CONNECTION", "TABLE", "ACTION"}, rows);
  }
  if (failed) throw Failure(*failed);
  return trouble ? kExitFailed : kExitOk;
}

int run_undeploy(Context& ctx, const DeployOptions& o) {
  const auto config = load_all_pipelines(ctx);
  auto order = ops::with_descendants(config, find_pipeline(config, o.pipeline), o.with_children);
  std::reverse(order.begin(), order.end());  // children first
  const auto steps = ops::plan_undeploy(config, order);
  std::vector<std::string> dropped;
  std::vector<std::vector<std::string>> rows;
  for (const auto& s : steps) {
    std::string table = "-";
    if (!s.table.empty()) {
      if (!o.drop_tables) {
        table = "keep " + s.table;
      } else if (s.kept_for) {
        table = "keep " + s.table + " (pipeline " + *s.kept_for + " uses it)";
      } else {
        table = "drop " + s.table;
        dropped.push_back(s.table);
      }
    }
    rows.push_back({s.pipeline->id.value, "pause", s.connection, table});
  }
  if (ctx.output == Output::table) {
    *ctx.out << "undeploy plan (children first):\n";
    print_table(*ctx.out, {"PIPELINE", "ACTION", "CONNECTION", "TABLE"}, rows);
  }
  // Asked before anything changes: a refusal leaves everything as it was.
  if (!dropped.empty()) confirm(ctx, "drop " + std::to_string(dropped.size()) + " table(s)");
  auto connection = open_database(ctx);
  store::Operator op(*connection, operator_identity());
  nlohmann::json out = nlohmann::json::array();
  for (const auto& s : steps) {
    const PipelineId id = s.pipeline->id;
    const store::AuditEntry audit{.actor = operator_identity(),
                                  .command = "pause",
                                  .pipeline = id,
                                  .arguments = {{"by", "undeploy " + o.pipeline}}};
    auto changed = op.set_paused(id, true, audit);
    if (!changed) throw Failure(changed.error());
    if (ctx.output == Output::table)
      *ctx.out << id.value << (*changed ? ": paused\n" : ": already paused\n");
    out.push_back({{"pipeline", id.value}, {"paused", true}, {"changed", *changed}});
  }
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const auto& s = steps[i];
    const bool drop = o.drop_tables && !s.table.empty() && !s.kept_for;
    if (drop) {
      if (auto r = ops::drop_table(config, s); !r) throw Failure(r.error());
      if (ctx.output == Output::table) *ctx.out << "dropped " << s.table << "\n";
    }
    out[i]["table"] = s.table;
    out[i]["dropped"] = drop;
  }
  if (ctx.output == Output::json) *ctx.out << json_text(out) << "\n";
  return kExitOk;
}

}  // namespace

void add_deploy_commands(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<DeployOptions>();
  auto* deploy = app.add_subcommand(
      "deploy", "create a pipeline's missing target table from its ddl; compare existing ones");
  deploy->add_option("pipeline", o->pipeline, "pipeline id")->required();
  deploy->add_flag("--with-children", o->with_children,
                   "its descendants by depends_on too, parents first");
  deploy->add_flag("--dry-run", o->dry_run, "print the plan only");
  deploy->callback([&ctx, o] { ctx.exit_code = run_deploy(ctx, *o); });

  auto u = std::make_shared<DeployOptions>();
  auto* undeploy = app.add_subcommand(
      "undeploy", "pause a pipeline (and its descendants), and drop their tables if asked");
  undeploy->add_option("pipeline", u->pipeline, "pipeline id")->required();
  undeploy->add_flag("--with-children", u->with_children,
                     "its descendants by depends_on too, children first");
  undeploy->add_flag("--drop-tables", u->drop_tables,
                     "drop their target tables after pausing (asks first; -y does not)");
  undeploy->callback([&ctx, u] { ctx.exit_code = run_undeploy(ctx, *u); });
}

}  // namespace sluice::ctl
