#include "framework/adapters/common_keys.hpp"

#include "framework/adapters/json_depth.hpp"

using sluice::config::KeySpec;
using sluice::config::KeyTable;
using sluice::config::KeyType;

namespace sluice::adapters {

const KeyTable& sql_source_keys() {
  static const KeyTable t{
      "SQL source",
      "Where the rows of a window come from: a table and its time column, or a query.",
      {
          {.name = "table",
           .type = KeyType::identifier,
           .description = "Table (or `schema.table`) to read; rows with `time_column` in "
                          "[window start, window end) belong to the window."},
          {.name = "query",
           .type = KeyType::string,
           .description = "SQL query instead of `table`. With `time_column` it is wrapped and "
                          "filtered on that column; without, it must contain `{window_start}` "
                          "and `{window_end}`, which are bound as parameters (never spliced)."},
          {.name = "time_column",
           .type = KeyType::column,
           .description = "Column that places a row in a window (half-open: a row at the "
                          "window end belongs to the next). Required with `table`."},
      }};
  return t;
}

const KeyTable& sql_target_keys() {
  static const KeyTable t{
      "SQL target",
      "Where a window's rows are loaded; a window is replaced as a whole, so a load is "
      "idempotent.",
      {
          {.name = "table",
           .type = KeyType::identifier,
           .description = "Table (or `schema.table`) to load.",
           .required = true},
          {.name = "time_column",
           .type = KeyType::column,
           .description = "Column that places a row in a window, to count and replace a "
                          "window's rows.",
           .default_value = "(source.time_column)"},
      }};
  return t;
}

const config::Binding<SqlSourceSettings>& sql_source_binding() {
  static const config::Binding<SqlSourceSettings> b{
      sql_source_keys(),
      {
          {"table", &SqlSourceSettings::table, non_empty},
          {"query", &SqlSourceSettings::query, non_empty},
          {"time_column", &SqlSourceSettings::time_column},
      }};
  return b;
}

const config::Binding<SqlTargetSettings>& sql_target_binding() {
  static const config::Binding<SqlTargetSettings> b{
      sql_target_keys(),
      {
          {"table", &SqlTargetSettings::table},
          {"time_column", &SqlTargetSettings::time_column},
      }};
  return b;
}

void check_sql_source(const config::Fields& source, config::Diagnostics& diags) {
  const bool query = source.get<std::string>("query") != nullptr;
  const bool table = source.get<std::string>("table") != nullptr;
  const bool time_column = source.get<std::string>("time_column") != nullptr;
  if (query && table) {
    source.error(diags, "query", "set either 'query' or 'table', not both");
  } else if (!query && !table) {
    if (!source.is_set("query") && !source.is_set("table")) {
      diags.error(source.where(), source.path(), "missing 'table' (or 'query')");
    }
  } else if (table && !time_column && !source.is_set("time_column")) {
    source.error(diags, "time_column",
                 "required with 'table' (the column that places a row in a window)");
  } else if (query && !time_column && !source.is_set("time_column")) {
    const std::string& q = *source.get<std::string>("query");
    if (q.find("{window_start}") == std::string::npos ||
        q.find("{window_end}") == std::string::npos) {
      source.error(diags, "query",
                   "a query without 'time_column' must filter on {window_start} and "
                   "{window_end}");
    }
  }
}

void check_url_or_parts(const config::Fields& section, config::Diagnostics& diags,
                        const std::vector<std::string_view>& parts, bool required) {
  if (section.is_set("url")) {
    for (auto part : parts) {
      if (section.is_set(part)) {
        section.error(diags, part,
                      "cannot be combined with 'url' (put it in the URL, or drop 'url')");
      }
    }
  } else if (required && !section.is_set("host")) {
    diags.error(section.where(), section.path(), "missing 'url' (or 'host' and its parts)");
  }
}

std::optional<std::string> non_empty(const std::string& text) {
  if (text.empty()) return std::nullopt;
  return text;
}

std::string check_json_pointer(std::string_view text) {
  if (text.empty() || text.front() == '/') return {};
  return "a JSON pointer is empty or starts with '/' (e.g. /data/items)";
}

KeySpec max_json_depth_key(std::string_view description) {
  return {.name = "max_json_depth",
          .type = KeyType::integer,
          .description = description,
          .default_value = "512",
          .min = 1,
          .max = static_cast<double>(kMaxJsonDepthLimit)};
}

std::string check_http_url(std::string_view text) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (text.substr(0, scheme.size()) == scheme && text.size() > scheme.size()) return {};
  }
  return "expected an http:// or https:// URL";
}

}  // namespace sluice::adapters
