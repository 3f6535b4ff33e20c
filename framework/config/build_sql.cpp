// The rules of a SQL pipeline (`kind: sql`) and of a `ddl`, which span keys: what a SQL
// pipeline may not have (a source, a transform), its statements checked in the dialect of
// its target's server, and the CREATE TABLE of `ddl` checked against the target's table and
// time column. Each error points where it is: into the statement when it can.
#include <fmt/format.h>

#include "framework/adapters/ddl.hpp"
#include "framework/adapters/sql_template.hpp"
#include "framework/config/build.hpp"
#include "framework/schema/scalar_position.hpp"

namespace sluice::config {
namespace {

using adapters::sql::Dialect;

// The registry row of the pipeline's target connection, when it is known.
const adapters::AdapterInfo* target_adapter(const PipelineConfig& p) {
  return p.target.kind.empty() ? nullptr : adapters::find_adapter(p.target.kind);
}

// An error at `offset` of the string value of `key`.
void error_in(const Fields& section, std::string_view key, std::size_t offset,
              const std::string& message, const CheckContext& ctx) {
  const auto* text = section.get<std::string>(key);
  const Location at =
      text ? locate_in_scalar(section.where_of(key), *text, offset) : section.where_of(key);
  ctx.error(at, section.path_of(key), message);
}

}  // namespace

bool check_statement(const Fields& sql, std::string_view key, Dialect dialect,
                     const CheckContext& ctx) {
  const auto* text = sql.get<std::string>(key);
  if (!text) return true;
  const auto problems = adapters::sql::scan(*text, dialect).problems;
  for (const auto& problem : problems) error_in(sql, key, problem.offset, problem.message, ctx);
  return problems.empty();
}

void build_sql(PipelineConfig& p, const YAML::Node& root, const CheckContext& ctx) {
  Fields& f = p.fields;
  const bool sql = p.kind == PipelineConfig::Kind::sql;
  if (!sql) {
    if (f.is_set("sql"))
      ctx.error(f.where_of("sql"), "sql", "only a SQL pipeline runs statements: set kind: sql");
    return;
  }
  if (key_node(root, "source").IsDefined())
    ctx.error(f.where_of("source"), "source",
              "a SQL pipeline has no source: its statements read what they need on the "
              "target's server");
  if (f.is_set("transform"))
    ctx.error(f.where_of("transform"), "transform",
              "a SQL pipeline has no rows to transform: compute the columns in sql.insert");
  if (!p.target.params.is_set("time_column") && !p.target.kind.empty())
    p.target.params.error(*ctx.diags, "time_column",
                          "required with kind: sql (the column that places a row in a window: "
                          "what the default delete removes and the target counts)");
  const Fields* section = f.section("sql");
  if (!f.is_set("sql") || !section) {
    if (root.IsMap()) ctx.error(f.where_of("sql"), "sql", "required with kind: sql");
    return;
  }
  adapters::SqlStatements statements;
  statements.insert = section->string_or("insert");
  if (const auto* d = section->get<std::string>("delete")) statements.remove = *d;
  if (const auto* c = section->get<std::string>("count")) statements.count = *c;
  p.sql = std::move(statements);
  const auto* adapter = target_adapter(p);
  if (!adapter) return;  // an unknown or unfit connection is reported on `target`
  for (std::string_view key : {"delete", "count"})
    check_statement(*section, key, adapter->sql_dialect, ctx);
  if (!check_statement(*section, "insert", adapter->sql_dialect, ctx)) return;
  // The window's rows are the target table's: an insert elsewhere would be deleted by
  // nothing, and ClickHouse's runner redirects it into a scratch table by this name.
  const auto* table = p.target.params.get<std::string>("table");
  const auto into = adapters::sql::insert_target(p.sql->insert, adapter->sql_dialect);
  if (!into) {
    error_in(*section, "insert", 0, "expected INSERT INTO <target.table> ...", ctx);
  } else if (table && !adapters::sql::names_table(into->parts, *table, adapter->sql_dialect)) {
    std::string written;
    for (const auto& part : into->parts) written += (written.empty() ? "" : ".") + part;
    error_in(*section, "insert", into->offset,
             "inserts into " + written + ", not the target's table " + *table, ctx);
  }
}

void build_ddl(PipelineConfig& p, const CheckContext& ctx) {
  const Fields& f = p.fields;
  const auto* ddl = f.get<std::string>("ddl");
  if (!ddl || !f.is_set("ddl")) return;
  p.ddl = *ddl;
  const auto* adapter = target_adapter(p);
  if (!adapter) return;
  if (!adapter->make_sql_runner) {
    ctx.error(f.where_of("ddl"), "ddl",
              "the target's connection is of kind " + std::string(adapter->kind) +
                  ", which has no tables to create");
    return;
  }
  const Dialect dialect = adapter->sql_dialect;
  auto parsed = adapters::sql::parse_create_table(*ddl, dialect);
  if (!parsed) {
    error_in(f, "ddl", parsed.error().offset, parsed.error().message, ctx);
    return;
  }
  const auto* table = p.target.params.get<std::string>("table");
  if (table && !adapters::sql::creates_table(*parsed, *table, dialect))
    error_in(
        f, "ddl", parsed->name_offset,
        "creates table " + adapters::sql::qualified(*parsed) + ", not the target's table " + *table,
        ctx);
  const auto* time_column = p.target.params.get<std::string>("time_column");
  if (!time_column || time_column->empty()) return;
  for (const auto& c : parsed->columns)
    if (adapters::sql::same_name(c.name, *time_column, dialect)) return;
  std::string names;
  for (const auto& c : parsed->columns) names += (names.empty() ? "" : ", ") + c.name;
  error_in(f, "ddl", parsed->name_offset,
           fmt::format("missing ddl column: the target's time_column '{}' is not among the "
                       "columns of {} ({})",
                       *time_column, adapters::sql::qualified(*parsed), names),
           ctx);
}

}  // namespace sluice::config
