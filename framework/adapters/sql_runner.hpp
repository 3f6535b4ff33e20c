#pragma once
// What a SQL pipeline (`kind: sql`) needs of its target's server: the statements of one
// window run there, with the window bound into them (sql_template.hpp). A registry row's
// `make_sql_runner` builds one for a connection and a target section (table and
// time_column, as a copy pipeline's target has them); postgres, mysql and clickhouse have
// one, each in its folder. Like every adapter call, each one returns a classified Error,
// bounds itself by ctx.deadline on the server and cancels what runs when the deadline
// passes.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "framework/adapters/interfaces.hpp"
#include "framework/adapters/sql_template.hpp"

namespace sluice::adapters {

// A SQL pipeline's statements, as configured (placeholders unbound).
struct SqlStatements {
  std::string insert;
  // `sql.delete`; none: the rows of the window by the target's time column.
  std::optional<std::string> remove;
  // `sql.count`: one number, the rows the window should hold; none: not configured.
  std::optional<std::string> count;
};

// One column of a table as the server's catalog has it: its name and its type in the form
// SqlRunner::comparable_types gives a written type.
struct TableColumn {
  std::string name;
  std::string type;
};

class SqlRunner {
 public:
  virtual ~SqlRunner() = default;

  // The one number `query` selects, the window bound into it.
  virtual Result<std::int64_t> count(const WindowContext& ctx, std::string_view query) = 0;
  // The first column of the first row `query` selects, the window bound into it, as the
  // server writes it in text (`t`, `1`, `true`); nullopt when it selects no row, or NULL
  // there. `what` names the query in errors (`run_if.sql`). The runner's table is not used.
  virtual Result<std::optional<std::string>> first_value(const WindowContext& ctx,
                                                         std::string_view query,
                                                         std::string_view what) = 0;
  // The rows of the target table in the window, by its time column.
  virtual Result<std::int64_t> count_window(const WindowContext& ctx) = 0;
  // Replaces the window: the delete then the insert, all or nothing where the server has
  // transactions (each runner's file says what a crash leaves on its server). Returns the
  // rows inserted. Rows inserted outside the window are an integrity error, undone: the next
  // run's delete would not remove them, and the window would not be idempotent.
  virtual Result<std::int64_t> run_window(const WindowContext& ctx,
                                          const SqlStatements& statements) = 0;

  // For `sluicectl deploy` and `undeploy`, on the target table. `deadline` may be null.
  // The table's columns in order; nullopt when there is no such table.
  virtual Result<std::optional<std::vector<TableColumn>>> table_columns(Deadline* deadline) = 0;
  // Each type as written in a CREATE TABLE, in the form table_columns() names types; nullopt
  // for a type the server cannot compare (its columns are compared by name only).
  virtual Result<std::vector<std::optional<std::string>>> comparable_types(
      const std::vector<std::string>& written, Deadline* deadline) = 0;
  // Runs one DDL statement (a CREATE TABLE) as written.
  virtual Result<void> execute(const std::string& ddl, Deadline* deadline) = 0;
  virtual Result<void> drop_table(Deadline* deadline) = 0;
};

// The values of ctx's window: its bounds and target day (in ctx.zone, UTC when null).
sql::WindowValues window_values(const WindowContext& ctx);

// The statement scanned for `dialect`, or a permanent Error naming `what` (`sql.insert`)
// and the first problem. The loader refused such statements already; a runner checks again
// rather than send the server half a template.
Result<sql::Scanned> scan_checked(std::string_view statement, sql::Dialect dialect,
                                  std::string_view what);

// The Error of rows inserted outside the window (run_window's check).
Error rows_outside_window(std::string_view table, std::int64_t inserted, std::int64_t held);

}  // namespace sluice::adapters
