// The pipeline's `transform` section: its key table and the Spec a valid one becomes.
#include <set>

#include "framework/transform/sql_expression.hpp"
#include "framework/transform/transform.hpp"

using sluice::config::KeyTable;
using sluice::config::KeyType;

namespace sluice::transform {
namespace {

const KeyTable& column_keys() {
  static const KeyTable t{
      "pipeline.transform.columns[]",
      "One output column: a source column (renamed, cast), a value computed per window, or a "
      "SQL expression the target computes.",
      {
          {.name = "name",
           .type = KeyType::column,
           .description = "Output column name.",
           .required = true},
          {.name = "from",
           .type = KeyType::column,
           .description = "Source column it takes its value from; the source must have it.",
           .default_value = "(name, unless `value` is set)"},
          {.name = "value",
           .type = KeyType::field_template,
           .description =
               "A computed value, the same for every row of a window: `{pipeline}`, "
               "`{window_start:%Y-%m-%d}`, `{window_end}`, `{target_day}`, `{time_interval}`."},
          {.name = "cast",
           .type = KeyType::choice,
           .description =
               "Check and normalise each value: integers and numbers as written, "
               "booleans `true`/`false`, timestamps in UTC `YYYY-MM-DD HH:MM:SS[.ffffff]+00` "
               "(from ISO 8601 with an offset, or epoch seconds), dates `YYYY-MM-DD`. A value "
               "that does not fit fails the window (permanent). NULL stays NULL.",
           .default_value = "text",
           .choices = {"text", "integer", "number", "boolean", "timestamp", "date"}},
          {.name = "sql",
           .type = KeyType::string,
           .description =
               "A SQL expression the target evaluates for each row as it loads it, over the "
               "loaded columns (the others with `from` or `value`, or all the source's when "
               "every column is `sql`) with the target's column types: `amount * 100`, "
               "`lower(note)`. SQL targets only (see each adapter); one expression, written "
               "as the server reads it (the operator's SQL, trusted as a source `query` is)."},
      }};
  return t;
}

Cast cast_of(std::string_view name) {
  if (name == "integer") return Cast::integer;
  if (name == "number") return Cast::number;
  if (name == "boolean") return Cast::boolean;
  if (name == "timestamp") return Cast::timestamp;
  if (name == "date") return Cast::date;
  return Cast::text;
}

}  // namespace

const KeyTable& transform_keys() {
  static const KeyTable t{
      "pipeline.transform",
      "Columns of the rows on their way from the source to the stage (and so to the target).",
      {
          {.name = "columns",
           .type = KeyType::section_list,
           .description = "The output columns, in order; source columns not listed are dropped. "
                          "Empty, or only `sql` columns: rows pass unchanged.",
           .default_value = "[]",
           .section = &column_keys()},
      }};
  return t;
}

namespace {

std::string sql_targets() {
  std::string out;
  for (const auto* a : adapters::registry())
    if (a->sql_expressions && a->can(adapters::Role::target))
      out += (out.empty() ? "" : ", ") + std::string(a->kind);
  return out;
}

void check_sql(const config::Fields& c, const std::string& sql, const adapters::AdapterInfo* target,
               config::Diagnostics& diags) {
  for (const char* other : {"from", "value"}) {
    if (c.is_set(other))
      c.error(
          diags, "sql",
          std::string("set either 'sql' (computed by the target) or '") + other + "', not both");
  }
  if (c.is_set("cast"))
    c.error(diags, "cast",
            "'cast' converts loaded values; write the conversion inside the 'sql' expression");
  if (auto why = check_sql_expression(sql); !why.empty()) c.error(diags, "sql", why);
  if (target && !target->sql_expressions)
    c.error(diags, "sql",
            "the target is of kind " + std::string(target->kind) +
                ", which does not evaluate SQL expressions (kinds that do: " + sql_targets() + ")");
}

}  // namespace

Spec build_spec(const config::Fields& transform, const adapters::AdapterInfo* target,
                config::Diagnostics& diags) {
  Spec spec;
  std::set<std::string> names;
  for (const auto& c : transform.list("columns")) {
    OutputColumn out;
    out.name = c.string_or("name");
    out.where = c.where();
    out.cast = cast_of(c.string_or("cast", "text"));
    if (const auto* sql = c.get<std::string>("sql")) {
      check_sql(c, *sql, target, diags);
      out.sql = *sql;
    } else {
      if (c.is_set("from") && c.is_set("value")) {
        c.error(diags, "value",
                "set either 'from' (a source column) or 'value' (computed), not both");
      }
      if (const auto* v = c.get<time::FieldTemplate>("value")) {
        out.value = *v;
      } else {
        out.from = c.string_or("from", out.name);
      }
    }
    if (!out.name.empty() && !names.insert(out.name).second) {
      c.error(diags, "name", "'" + out.name + "' is already an output column");
    }
    spec.columns.push_back(std::move(out));
  }
  return spec;
}

}  // namespace sluice::transform
