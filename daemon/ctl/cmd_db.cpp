// sluicectl db migrate | db status: the versioned schema, from the migrations compiled in.
#include <map>
#include <ostream>
#include <stdexcept>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "daemon/ctl/context.hpp"
#include "daemon/ctl/database.hpp"
#include "daemon/ctl/output.hpp"
#include "framework/store/migrations.hpp"

namespace sluice::ctl {
namespace {

using nlohmann::json;

std::string target_of(const Context& ctx) {
  auto target = store::parse_database_url(resolve_database_url(ctx));
  return target ? target->describe() : "";
}

void run_migrate(Context& ctx) {
  auto connection = open_database(ctx);
  store::MigrateOptions options;
  options.applied_by = operator_identity() + " (sluicectl " SLUICE_VERSION ")";
  options.on_wait = [&] {
    *ctx.err << "sluicectl: another migration is running; waiting for it to finish\n";
  };
  if (ctx.output == Output::table) {
    options.on_applied = [&](const store::Migration& m, std::chrono::milliseconds took) {
      *ctx.out << fmt::format("applied {} ({} ms)\n", m.label(), took.count()) << std::flush;
    };
  }
  auto report = store::migrate(*connection, options);
  if (!report) throw Failure(report.error());

  if (ctx.output == Output::json) {
    json applied = json::array();
    for (const auto& m : report->applied) {
      applied.push_back({{"version", m.version}, {"name", m.name}, {"checksum", m.checksum}});
    }
    *ctx.out << json_text(json{{"from_version", report->from_version},
                               {"to_version", report->to_version},
                               {"applied", applied}})
             << "\n";
  } else if (report->applied.empty()) {
    *ctx.out << fmt::format("database schema is up to date at version {}: nothing to apply\n",
                            report->to_version);
  } else {
    *ctx.out << fmt::format("database schema is now at version {} (was {}; {} applied)\n",
                            report->to_version, report->from_version, report->applied.size());
  }
}

struct Row {
  int version;
  std::string name, state, applied_at, applied_by;
};

// One row per version, known or applied, in order.
std::vector<Row> rows_of(const store::SchemaStatus& s) {
  std::map<int, Row> rows;
  for (const auto& a : s.applied) {
    rows[a.version] = {a.version, a.name, "applied", a.applied_at, a.applied_by};
  }
  for (const auto& a : s.unknown) rows[a.version].state = "unknown to this sluicectl";
  for (const auto& c : s.changed) rows[c.known.version].state = "edited after applying";
  for (const auto& m : s.pending) rows[m.version] = {m.version, m.name, "pending", "", ""};
  for (const auto& m : s.skipped) rows[m.version] = {m.version, m.name, "skipped", "", ""};
  std::vector<Row> out;
  out.reserve(rows.size());
  for (auto& [version, row] : rows) out.push_back(std::move(row));
  return out;
}

void run_status(Context& ctx) {
  auto connection = open_database(ctx);
  auto status = store::schema_status(*connection);
  if (!status) throw Failure(status.error());
  const auto rows = rows_of(*status);
  const auto problems = status->problems("sluicectl");
  const auto problem = store::schema_problem(*status, "sluicectl");

  if (ctx.output == Output::json) {
    json list = json::array();
    for (const auto& r : rows) {
      json item{{"version", r.version}, {"name", r.name}, {"state", r.state}};
      if (!r.applied_at.empty()) item["applied_at"] = r.applied_at;
      if (!r.applied_by.empty()) item["applied_by"] = r.applied_by;
      list.push_back(std::move(item));
    }
    *ctx.out << json_text(json{{"database", target_of(ctx)},
                               {"current_version", status->current_version},
                               {"expected_version", status->expected_version},
                               {"up_to_date", status->up_to_date()},
                               {"migrations", list},
                               {"problems", problems},
                               {"differences", status->differences}})
             << "\n";
  } else {
    *ctx.out << fmt::format("database: {}\n", target_of(ctx));
    *ctx.out << fmt::format("schema:   version {}, this sluicectl knows {} ({} pending)\n\n",
                            status->current_version, status->expected_version,
                            status->pending.size());
    std::size_t name_width = 4;
    for (const auto& r : rows) name_width = std::max(name_width, r.name.size());
    *ctx.out << fmt::format("{:<8} {:<{}} {:<26} {:<21} {}\n", "VERSION", "NAME", name_width,
                            "STATE", "APPLIED AT", "APPLIED BY");
    for (const auto& r : rows) {
      *ctx.out << fmt::format("{:04}     {:<{}} {:<26} {:<21} {}\n", r.version, r.name, name_width,
                              r.state, r.applied_at, r.applied_by);
    }
    if (problem) *ctx.out << "\n" << *problem << "\n";
  }
  // Scripts ask "is the schema current?": anything but up to date is exit 1.
  if (!status->up_to_date()) ctx.exit_code = kExitFailed;
}

}  // namespace

void add_db_command(CLI::App& app, Context& ctx) {
  auto* db = app.add_subcommand("db", "the database schema: migrate, status");
  db->require_subcommand(1);
  db->add_subcommand("migrate",
                     "apply the pending schema migrations, each in its own transaction "
                     "(safe to run from several hosts at once)")
      ->callback([&ctx] { run_migrate(ctx); });
  db->add_subcommand("status",
                     "show the schema version, each migration, and any table, column, "
                     "function or trigger that differs; exit 1 unless up to date")
      ->callback([&ctx] { run_status(ctx); });
}

}  // namespace sluice::ctl
