// `run_if`: the rules that span its keys and the pipeline's others. The connection `sql`
// runs on (named, or the pipeline's own) must exist and run queries, and the query is
// checked in its dialect; `min_source_rows` needs a source; a relative `file_exists` needs
// a file source's root; and a `run_if` must hold at least one condition.
#include <algorithm>

#include "framework/config/build.hpp"
#include "framework/config/keys.hpp"

namespace sluice::config {
namespace {

constexpr std::string_view kConditions[] = {"sql", "min_source_rows", "file_exists", "calendar"};

// The connection `sql` runs on, or nullptr (reported). Unset: the source's, or a SQL
// pipeline's target's (where its statements read).
const ConnectionConfig* sql_connection(const PipelineConfig& p, const Fields& r,
                                       const YAML::Node& node, const DaemonConfig& daemon,
                                       const CheckContext& ctx) {
  const bool named = r.is_set("connection");
  const bool sql_pipeline = p.kind == PipelineConfig::Kind::sql;
  std::string name = sql_pipeline ? p.target.connection : p.source.connection;
  if (named) {
    const auto* written = r.get<std::string>("connection");
    if (!written) return nullptr;  // not a string: reported
    name = *written;
  }
  const ConnectionConfig* c = daemon.find_connection(name);
  // An unknown default is reported on the source or the target.
  if (!c && named)
    return find_role_connection(name, adapters::Role::sql, value_node(node, "connection"),
                                r.path_of("connection"), daemon, ctx);
  if (!c || !c->adapter) return nullptr;
  if (c->adapter->can(adapters::Role::sql)) return c;
  const std::string problem = "connection '" + name + "' is of kind " +
                              std::string(c->adapter->kind) +
                              ", which cannot run a query (postgres, mysql and clickhouse can)";
  if (named) {
    r.error(*ctx.diags, "connection", problem);
  } else {
    r.error(*ctx.diags, "sql",
            problem + ": the query runs on the " + (sql_pipeline ? "target" : "source") +
                "'s connection unless run_if.connection names another");
  }
  return nullptr;
}

void build_sql_condition(RunIfConfig& c, const PipelineConfig& p, const Fields& r,
                         const YAML::Node& node, const DaemonConfig& daemon,
                         const CheckContext& ctx) {
  if (!r.is_set("sql")) {
    if (r.is_set("connection"))
      r.error(*ctx.diags, "connection", "only with run_if.sql: the connection its query runs on");
    return;
  }
  const auto* query = r.get<std::string>("sql");
  const ConnectionConfig* connection = sql_connection(p, r, node, daemon, ctx);
  if (!query || !connection) return;
  c.sql = *query;
  c.connection = connection->name;
  check_statement(r, "sql", connection->adapter->sql_dialect, ctx);
}

void build_file_condition(RunIfConfig& c, const PipelineConfig& p, const Fields& r,
                          const DaemonConfig& daemon, const CheckContext& ctx) {
  const auto* file = r.get<time::FieldTemplate>("file_exists");
  if (!file) return;
  c.file_exists = *file;
  if (file->text().starts_with('/')) return;
  const ConnectionConfig* source =
      p.kind == PipelineConfig::Kind::copy ? daemon.find_connection(p.source.connection) : nullptr;
  if (source && source->kind() == "file") {
    c.file_root = source->params.string_or("root", ".");
    return;
  }
  r.error(*ctx.diags, "file_exists",
          "a relative path starts from the root of the pipeline's file source, and this "
          "pipeline has none: write an absolute path");
}

}  // namespace

void build_run_if(PipelineConfig& p, const YAML::Node& root, const DaemonConfig& daemon,
                  const CheckContext& ctx) {
  if (!key_node(root, "run_if").IsDefined()) return;
  const Fields* r = p.fields.section("run_if");
  if (!r) return;
  const YAML::Node node = value_node(root, "run_if");
  if (!node.IsNull() && !node.IsMap()) return;  // reported by the key table
  RunIfConfig c;
  const bool any = std::any_of(std::begin(kConditions), std::end(kConditions),
                               [&](std::string_view key) { return r->is_set(key); });
  if (!any)
    ctx.error(p.fields.where_of("run_if"), "run_if",
              "no condition: set sql, min_source_rows, file_exists or calendar");
  build_sql_condition(c, p, *r, node, daemon, ctx);
  if (const auto* rows = r->get<std::int64_t>("min_source_rows")) {
    if (p.kind == PipelineConfig::Kind::sql) {
      r->error(*ctx.diags, "min_source_rows",
               "a SQL pipeline has no source to count: ask its server with run_if.sql");
    } else {
      c.min_source_rows = *rows;
    }
  }
  build_file_condition(c, p, *r, daemon, ctx);
  if (const auto* days = r->get<std::vector<std::string>>("calendar")) {
    if (days->empty() && r->is_set("calendar"))
      r->error(*ctx.diags, "calendar", "lists no day: name the dates or weekdays not to run");
    for (const auto& day : *days) (void)time::add_calendar_entry(c.calendar, day);
  }
  c.skip = r->string_or("on_false", "wait") == "skip";
  c.give_up_after = duration_of(*r, "give_up_after");
  if (c.skip && r->is_set("give_up_after"))
    ctx.warning(r->where_of("give_up_after"), r->path_of("give_up_after"),
                "has no effect with on_false: skip (a window whose condition is false is "
                "SKIPPED at once)");
  p.run_if = std::move(c);
}

}  // namespace sluice::config
