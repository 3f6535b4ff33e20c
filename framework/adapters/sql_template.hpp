#pragma once
// The statements of a SQL pipeline (`sql.insert`, `sql.delete`, `sql.count`) are templates
// of one window: `:window_start`, `:window_end` and `:target_day` stand for its bounds and
// its local date. Each runner binds them as typed values of its server (postgres/
// sql_runner.cpp, mysql/sql_runner.cpp, clickhouse/sql_runner.cpp); the text around them
// goes to the server as written. A `:name` inside a string, a quoted name or a comment is
// text, not a placeholder (sql_lexer.hpp).
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <date/date.h>

#include "framework/adapters/sql_lexer.hpp"
#include "framework/core/window.hpp"

namespace sluice::adapters::sql {

enum class Param { window_start, window_end, target_day };
std::string_view name_of(Param param);  // `window_start`

struct Placeholder {
  Param param = Param::window_start;
  std::size_t offset = 0;  // of the `:`
  std::size_t length = 0;
};

// Something in a statement the loader refuses, at `offset` bytes into it.
struct Problem {
  std::size_t offset = 0;
  std::string message;
};

struct Scanned {
  std::vector<Placeholder> placeholders;
  // The statement without a trailing `;` (and what follows it: spaces, comments): servers
  // that take one statement per request refuse it.
  std::size_t length = 0;
  std::vector<Problem> problems;
};

// Finds the placeholders of one statement. Problems: an unknown `:name` (with a "did you
// mean"), an unclosed string, quoted name or comment, a second statement after a `;`, and
// the server's own parameters (`$1`, `?`), which would take sluice's values in its place.
Scanned scan(std::string_view statement, Dialect dialect);

// The statement (up to `scanned.length`) with each placeholder replaced by `spell(param)`.
std::string render(std::string_view statement, const Scanned& scanned,
                   const std::function<std::string(Param)>& spell);

// The table an `INSERT [modifiers] INTO [TABLE] name` inserts into: the first INSERT outside
// parentheses (a PostgreSQL WITH may come before it). The span covers the whole name,
// `schema.table` included; nullopt when there is none (INSERT INTO FUNCTION...).
struct NameSpan {
  std::size_t offset = 0;
  std::size_t length = 0;
  std::vector<std::string> parts;  // unquoted
};
std::optional<NameSpan> insert_target(std::string_view statement, Dialect dialect);

// What the placeholders stand for in one window.
struct WindowValues {
  Instant start;
  Instant end;
  date::year_month_day target_day;  // the local date of `start` in the pipeline's zone
};

}  // namespace sluice::adapters::sql
