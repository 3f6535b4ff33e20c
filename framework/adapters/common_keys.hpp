#pragma once
// Keys and rules adapters share: the SQL source/target keys (PostgreSQL, MySQL/MariaDB,
// ClickHouse) and checks of URLs and JSON pointers.
#include <optional>
#include <string>

#include "framework/schema/bind.hpp"
#include "framework/schema/diagnostic.hpp"
#include "framework/schema/fields.hpp"
#include "framework/schema/key_table.hpp"

namespace sluice::adapters {

// query | table, time_column.
const config::KeyTable& sql_source_keys();
// table, time_column.
const config::KeyTable& sql_target_keys();

struct SqlSourceSettings {
  std::optional<std::string> query;  // none when unset or empty
  std::optional<std::string> table;  // likewise
  std::string time_column;
};
const config::Binding<SqlSourceSettings>& sql_source_binding();

struct SqlTargetSettings {
  std::string table;
  std::string time_column;  // the source's unless set (the loader fills it in)
};
const config::Binding<SqlTargetSettings>& sql_target_binding();

// Exactly one of `query` and `table`; `table` needs `time_column`; a query without
// `time_column` must filter on both {window_start} and {window_end} itself.
void check_sql_source(const config::Fields& source, config::Diagnostics& diags);

// `url`, or `host` and its parts; never both. `required`: one of them must be there.
void check_url_or_parts(const config::Fields& section, config::Diagnostics& diags,
                        const std::vector<std::string_view>& parts, bool required);

// A string, nullopt when empty: a bound member that treats an empty text as unset.
std::optional<std::string> non_empty(const std::string& text);

// `max_json_depth` (default 512, at most kMaxJsonDepthLimit), the nesting limit of JSON read
// from outside (json_depth.hpp); `description` (static text) says where it applies.
config::KeySpec max_json_depth_key(std::string_view description);

// A JSON pointer (RFC 6901): empty or starting with `/`.
std::string check_json_pointer(std::string_view text);
// `http://` or `https://` followed by a host.
std::string check_http_url(std::string_view text);

}  // namespace sluice::adapters
