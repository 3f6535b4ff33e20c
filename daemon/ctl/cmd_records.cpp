// `sluicectl records list [filters]` and `records show ID`: the records table for people.
#include <algorithm>
#include <memory>
#include <ostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "daemon/ctl/database.hpp"
#include "daemon/ctl/loaded_config.hpp"
#include "daemon/ctl/numbers.hpp"
#include "daemon/ctl/output.hpp"
#include "daemon/ctl/selection.hpp"
#include "daemon/ops/views.hpp"

namespace sluice::ctl {
namespace {

using nlohmann::json;

struct ListOptions {
  SelectionOptions selection;
  int limit = 100;
};

// The zone a record's times print in: its pipeline's when the config knows it.
time::Zone zone_of(const config::Config& config, const std::string& pipeline) {
  const auto* p = config.find_pipeline(pipeline);
  return p ? p->zone : time::utc_zone();
}

int run_list(Context& ctx, const ListOptions& o) {
  // A pipeline named: its file alone; --tag: every file (the tags known are the fleet's),
  // from status's cache while no file changed;
  // neither: the daemon file first (its errors come first), then the files of the pipelines
  // the rows show, for their zones.
  const auto& in = o.selection;
  const bool by_rows = in.pipeline.empty() && in.tags.empty();
  std::unique_ptr<store::Connection> connection;
  auto config = !in.tags.empty()       ? load_pipeline_summaries(ctx, connection, true)
                : !in.pipeline.empty() ? load_named_pipelines(ctx, {in.pipeline})
                                       : load_named_pipelines(ctx, {}, false, Missing::leave);
  const auto s = take(ops::resolve_selection(config, in, ops::Dialect::cli));
  if (!connection) connection = open_database(ctx);
  store::Operator op(*connection, operator_identity());
  auto rows = op.list(s.records, o.limit);
  if (!rows) throw Failure(rows.error());
  if (by_rows) {
    std::vector<std::string> shown;
    for (const auto& r : *rows)
      if (std::find(shown.begin(), shown.end(), r.pipeline) == shown.end())
        shown.push_back(r.pipeline);
    config = load_named_pipelines(ctx, shown, true, Missing::leave);
  }
  if (ctx.output == Output::json) {
    json list = json::array();
    for (const auto& r : *rows) list.push_back(ops::record_row_json(r));
    *ctx.out << json_text(list) << "\n";
    return kExitOk;
  }
  std::vector<std::vector<std::string>> table;
  for (const auto& r : *rows) {
    const auto zone = zone_of(config, r.pipeline);
    // A window held by depends_on says on what, where an error would be.
    const std::string& note = r.error.empty() ? r.waiting_on : r.error;
    std::string error = note.size() > 60 ? note.substr(0, 57) + "..." : note;
    table.push_back({std::to_string(r.id), r.pipeline, time::format_in_zone(r.window_start, zone),
                     time::format_in_zone(r.window_end, zone),
                     // An accepted window is not one whose audit passed: say so where it shows.
                     r.audit_result == "ACCEPTED" ? r.status + " (accepted)" : r.status, r.trigger,
                     r.phase.empty() ? "-" : r.phase, std::to_string(r.retry_attempt),
                     or_dash(r.source_count), or_dash(r.target_count),
                     error.empty() ? "-" : error});
  }
  print_table(*ctx.out,
              {"ID", "PIPELINE", "WINDOW_START", "WINDOW_END", "STATUS", "TRIGGER", "PHASE",
               "RETRIES", "SOURCE", "TARGET", "ERROR"},
              table);
  if (static_cast<int>(rows->size()) == o.limit)
    *ctx.err << "sluicectl: showing the first " << o.limit << " records; raise --limit for more\n";
  return kExitOk;
}

std::string cell(const nlohmann::ordered_json& v) {
  if (v.is_null()) return "-";
  if (v.is_string()) return v.get<std::string>();
  return v.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

int run_show(Context& ctx, std::int64_t id) {
  auto connection = open_database(ctx);
  store::Operator op(*connection, operator_identity());
  auto detail = op.show(id);
  if (!detail) throw Failure(detail.error());
  if (!*detail)
    throw UsageError("no record " + std::to_string(id) + " (see `sluicectl records list`)");
  const auto& d = **detail;
  if (ctx.output == Output::json) {
    *ctx.out << json_text(ops::record_detail_json(d)) << "\n";
    return kExitOk;
  }
  std::size_t width = 0;
  for (const auto& [key, value] : d.record.items()) width = std::max(width, key.size());
  for (const auto& [key, value] : d.record.items())
    *ctx.out << key << std::string(width - key.size() + 2, ' ') << cell(value) << "\n";
  if (d.waiting_on) *ctx.out << "\n" << *d.waiting_on << "\n";
  if (!d.definition.is_null()) {
    const auto& def = d.definition;
    *ctx.out << "\nran with version " << def["version"].get<int>() << " of "
             << d.record["pipeline_id"].get<std::string>() << " ("
             << (def["origin"] == "file" ? "file " + cell(def["file"]) : std::string("catalog"))
             << ", stored by " << cell(def["created_by"]) << " at " << cell(def["created_at"])
             << "; sluicectl pipelines show " << d.record["pipeline_id"].get<std::string>()
             << " --version " << def["version"].get<int>() << ")\n";
  }
  *ctx.out << "\nevents:\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& e : d.events)
    rows.push_back({cell(e["created_at"]), cell(e["task"]), cell(e["from_status"]),
                    cell(e["to_status"]), cell(e["outcome"]), cell(e["rows"]),
                    cell(e["dag_run_id"]), cell(e["host"]), cell(e["message"])});
  print_table(*ctx.out, {"AT", "TASK", "FROM", "TO", "OUTCOME", "ROWS", "RUN", "HOST", "MESSAGE"},
              rows);
  if (d.checks.empty()) return kExitOk;
  *ctx.out << "\nchecks:\n";
  rows.clear();
  for (const auto& c : d.checks)
    rows.push_back({cell(c["checked_at"]), cell(c["check_name"]), cell(c["kind"]),
                    cell(c["severity"]), c["passed"].get<bool>() ? "passed" : "FAILED",
                    cell(c["observed"]), cell(c["run_id"]), cell(c["message"])});
  print_table(*ctx.out, {"AT", "CHECK", "KIND", "SEVERITY", "RESULT", "OBSERVED", "RUN", "MESSAGE"},
              rows);
  return kExitOk;
}

}  // namespace

void add_records_command(CLI::App& app, Context& ctx) {
  auto* records = app.add_subcommand("records", "list and inspect pipeline_records");
  records->require_subcommand(1);
  auto* list =
      records->add_subcommand("list", "records by pipeline, status, window range and trigger");
  auto o = std::make_shared<ListOptions>();
  list->add_option("-p,--pipeline", o->selection.pipeline, "pipeline id");
  add_selection_options(*list, o->selection, true);
  list->add_option("-n,--limit", o->limit, "at most this many records (default 100)")
      ->check(count_from(1, 1000000));
  list->callback([&ctx, o] { ctx.exit_code = run_list(ctx, *o); });

  auto* show =
      records->add_subcommand("show", "every column of one record, its events and its data checks");
  auto id = std::make_shared<std::int64_t>(0);
  show->add_option("id", *id, "record id")->required()->check(record_id());
  show->callback([&ctx, id] { ctx.exit_code = run_show(ctx, *id); });
}

}  // namespace sluice::ctl
