// `sluicectl pipelines list|show|apply|delete|history|diff|rollback|export`: the pipeline
// catalog from the command line, with the API's checks (daemon/ops/catalog.cpp) and the
// same audit_log rows, the actor being user@host.
#include <fstream>
#include <iterator>
#include <memory>
#include <ostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "daemon/ctl/database.hpp"
#include "daemon/ctl/loaded_config.hpp"
#include "daemon/ctl/output.hpp"
#include "daemon/ops/catalog.hpp"
#include "framework/config/load.hpp"

namespace sluice::ctl {
namespace {

using nlohmann::json;

store::AuditEntry audit_for(std::string command) {
  return {.actor = operator_identity(), .command = std::move(command)};
}

// The refusal of a definition: every problem at FILE:LINE:COLUMN of the file given (or the
// place in another pipeline it would break), then exit 1; other refusals as usual.
template <class T>
T take_definition(ops::Outcome<T> outcome, const Context& ctx, const std::string& shown) {
  if (outcome) return std::move(*outcome);
  const auto& r = outcome.error();
  if (r.kind == ops::Refusal::Kind::invalid || !r.problems.empty()) {
    for (auto d : r.problems) {
      if (d.where.file.starts_with(config::kCatalogPrefix) && d.where.file.ends_with("@new"))
        d.where.file = shown;
      *ctx.err << config::to_string(d) << "\n";
    }
    throw Failure(Error::permanent(r.message));
  }
  if (r.kind == ops::Refusal::Kind::stale) throw UsageError(r.message + " (run it again)");
  raise(r);
}

void print_change(const Context& ctx, const std::string& verb, const ops::CatalogChange& c) {
  for (const auto& w : c.warnings) *ctx.err << "warning: " << config::to_string(w) << "\n";
  if (ctx.output == Output::json) {
    *ctx.out << json_text(json{{"pipeline", c.pipeline.value},
                               {"version", c.version},
                               {"checksum", c.checksum},
                               {"action", verb}})
             << "\n";
    return;
  }
  *ctx.out << c.pipeline.value << ": " << verb << ", version " << c.version << "\n";
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("-f: cannot read " + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

int run_list(Context& ctx) {
  auto connection = open_database(ctx);
  const auto config = load_pipelines(ctx, *connection, false);
  json out = json::array();
  std::vector<std::vector<std::string>> rows;
  const auto row = [&](const std::string& id, const std::string& origin, int version,
                       const std::string& where, const std::string& state) {
    out.push_back({{"pipeline", id},
                   {"origin", origin},
                   {"version", version ? json(version) : json()},
                   {"where", where},
                   {"state", state}});
    rows.push_back({id, origin, version ? std::to_string(version) : "-", where, state});
  };
  for (const auto& p : config.pipelines)
    row(p.id.value, p.from_catalog() ? "catalog" : "file",
        p.from_catalog() ? *p.catalog_version : 0, p.file.string(),
        p.paused ? "paused in config" : "loaded");
  for (const auto& q : config.quarantined)
    if (!config.find_pipeline(q.pipeline.value))
      row(q.pipeline.value,
          q.file.string().starts_with(config::kCatalogPrefix) ? "catalog" : "file", 0,
          q.file.string(), "config error");
  if (ctx.output == Output::json) {
    *ctx.out << json_text(out) << "\n";
  } else {
    print_table(*ctx.out, {"PIPELINE", "ORIGIN", "VERSION", "WHERE", "STATE"}, rows);
  }
  return kExitOk;
}

// The text of a version, the current catalog one, or the file a file pipeline is read from.
std::string text_of(Context& ctx, store::Connection& c, const std::string& id,
                    std::optional<int> version) {
  if (version) return take(ops::definition_version(c, id, *version)).yaml;
  const auto config = load_pipelines(ctx, c, false);
  if (const auto* p = config.find_pipeline(id)) return p->text;
  return take(ops::definition_history(c, id)).front().yaml;
}

int run_history(Context& ctx, const std::string& id) {
  auto connection = open_database(ctx);
  const auto history = take(ops::definition_history(*connection, id));
  json out = json::array();
  std::vector<std::vector<std::string>> rows;
  for (const auto& d : history) {
    out.push_back({{"version", d.version},
                   {"origin", to_string(d.origin)},
                   {"file", d.file},
                   {"checksum", d.checksum},
                   {"created_by", d.created_by},
                   {"created_at", format_utc(d.created_at)},
                   {"comment", d.comment},
                   {"deleted", d.deleted}});
    rows.push_back({std::to_string(d.version),
                    std::string(to_string(d.origin)) + (d.deleted ? " (deleted)" : ""),
                    format_utc(d.created_at), d.created_by, d.checksum.substr(0, 12),
                    d.origin == store::Origin::file ? d.file : d.comment});
  }
  if (ctx.output == Output::json) {
    *ctx.out << json_text(out) << "\n";
  } else {
    print_table(*ctx.out, {"VERSION", "ORIGIN", "CREATED", "BY", "CHECKSUM", "COMMENT/FILE"}, rows);
  }
  return kExitOk;
}

int run_apply(Context& ctx, const std::string& file, const std::string& comment) {
  const std::string text = read_text(file);
  auto connection = open_database(ctx);
  const ops::CatalogScope scope{ctx.config_path, *connection};
  // The create and the update check the text themselves; it is checked here only when they
  // do not run (no id to apply to, or a text equal to the current version).
  const auto checked = [&] {
    return take_definition(ops::check_definition(scope, text), ctx, file);
  };
  const std::string id = ops::definition_id(text);
  if (id.empty()) {
    for (const auto& d : checked().errors) {
      auto shown = d;
      shown.where.file = file;
      *ctx.err << config::to_string(shown) << "\n";
    }
    throw UsageError(file + ": the definition has no id");
  }
  auto newest = store::Catalog(*connection).newest(PipelineId{id});
  if (!newest) throw Failure(newest.error());
  if (*newest && !(*newest)->deleted) {
    if ((*newest)->yaml == text) {
      checked();
      *ctx.out << id << ": unchanged, version " << (*newest)->version << "\n";
      return kExitOk;
    }
    print_change(ctx, "updated",
                 take_definition(ops::update_definition(scope, id, text, (*newest)->version,
                                                        comment, audit_for("pipeline update")),
                                 ctx, file));
    return kExitOk;
  }
  print_change(
      ctx, "created",
      take_definition(ops::create_definition(scope, text, comment, audit_for("pipeline create")),
                      ctx, file));
  return kExitOk;
}

}  // namespace

void add_pipelines_command(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand(
      "pipelines", "the pipeline catalog: definitions stored in the database, every version kept");
  cmd->require_subcommand(1);

  cmd->add_subcommand("list", "every pipeline, from its file or the catalog, and its version")
      ->callback([&ctx] { ctx.exit_code = run_list(ctx); });

  struct Args {
    std::string id, file, comment, out_file;
    int version = 0, to = 0, a = 0, b = 0;
  };
  auto args = std::make_shared<Args>();

  auto* show = cmd->add_subcommand("show", "a pipeline's definition as loaded (or --version N)");
  show->add_option("pipeline", args->id, "pipeline id")->required();
  show->add_option("--version", args->version, "a stored version")->check(CLI::PositiveNumber);
  show->callback([&ctx, args] {
    auto c = open_database(ctx);
    *ctx.out << text_of(ctx, *c, args->id,
                        args->version ? std::optional(args->version) : std::nullopt);
  });

  auto* apply = cmd->add_subcommand(
      "apply", "create a catalog pipeline from a YAML file, or store it as its next version");
  apply->add_option("-f,--file", args->file, "the definition (YAML)")->required();
  apply->add_option("--comment", args->comment, "kept with the version");
  apply->callback([&ctx, args] { ctx.exit_code = run_apply(ctx, args->file, args->comment); });

  auto* del = cmd->add_subcommand(
      "delete", "delete a catalog pipeline: no new windows, running ones finish, records stay");
  del->add_option("pipeline", args->id, "pipeline id")->required();
  del->add_option("--comment", args->comment, "kept with the version");
  del->callback([&ctx, args] {
    confirm(ctx, "delete pipeline " + args->id + " from the catalog");
    auto c = open_database(ctx);
    print_change(ctx, "deleted",
                 take(ops::delete_definition({ctx.config_path, *c}, args->id, std::nullopt,
                                             args->comment, audit_for("pipeline delete"))));
  });

  auto* history = cmd->add_subcommand("history", "every stored version, newest first");
  history->add_option("pipeline", args->id, "pipeline id")->required();
  history->callback([&ctx, args] { ctx.exit_code = run_history(ctx, args->id); });

  auto* diff = cmd->add_subcommand("diff", "a unified diff of two stored versions");
  diff->add_option("pipeline", args->id, "pipeline id")->required();
  diff->add_option("from", args->a, "version")->required()->check(CLI::PositiveNumber);
  diff->add_option("to", args->b, "version")->required()->check(CLI::PositiveNumber);
  diff->callback([&ctx, args] {
    auto c = open_database(ctx);
    const auto a = take(ops::definition_version(*c, args->id, args->a));
    const auto b = take(ops::definition_version(*c, args->id, args->b));
    *ctx.out << ops::unified_diff(a.yaml, b.yaml, args->id + " v" + std::to_string(a.version),
                                  args->id + " v" + std::to_string(b.version));
  });

  auto* rollback =
      cmd->add_subcommand("rollback", "store the exact text of an older version as the newest");
  rollback->add_option("pipeline", args->id, "pipeline id")->required();
  rollback->add_option("--to", args->to, "the version to go back to")
      ->required()
      ->check(CLI::PositiveNumber);
  rollback->add_option("--comment", args->comment, "kept with the version");
  rollback->callback([&ctx, args] {
    auto c = open_database(ctx);
    print_change(
        ctx, "rolled back to version " + std::to_string(args->to),
        take_definition(ops::rollback_definition({ctx.config_path, *c}, args->id, args->to,
                                                 args->comment, audit_for("pipeline rollback")),
                        ctx, "catalog:" + args->id));
  });

  auto* exp = cmd->add_subcommand(
      "export", "write a pipeline's YAML (to move a catalog pipeline into a file)");
  exp->add_option("pipeline", args->id, "pipeline id")->required();
  exp->add_option("--version", args->version, "a stored version")->check(CLI::PositiveNumber);
  exp->add_option("--to-file", args->out_file, "write here instead of standard output");
  exp->callback([&ctx, args] {
    auto c = open_database(ctx);
    const auto text =
        text_of(ctx, *c, args->id, args->version ? std::optional(args->version) : std::nullopt);
    if (args->out_file.empty()) {
      *ctx.out << text;
      return;
    }
    std::ofstream out(args->out_file, std::ios::binary | std::ios::trunc);
    if (!(out << text) || !out.flush())
      throw UsageError("--to-file: cannot write " + args->out_file);
    *ctx.out << args->id << ": written to " << args->out_file << "\n";
  });
}

}  // namespace sluice::ctl
