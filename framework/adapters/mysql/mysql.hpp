#pragma once
// MySQL / MariaDB as a source (and as a target: TargetOptions below): a query with the window
// bound, or a table and its time column, read over the text protocol as the server sends it
// (mysql_use_result) and written to the sink as blocks of PostgreSQL COPY text.
//
// Values travel as text, as faithfully as the target can take them:
// - NULL is NULL; DECIMAL is the server's exact digits; floats the server's shortest text.
// - DATETIME and TIMESTAMP are read in a UTC session (time_zone '+00:00') and written with
//   `+00`, so a timestamptz target stores the same instant; DATETIME is taken to be UTC, as
//   the window bounds are. DATE, TIME and YEAR are written as the server writes them.
// - Binary strings (BINARY, VARBINARY, BLOB, GEOMETRY) are written as PostgreSQL bytea hex
//   (`\x0a1b...`), which a bytea column takes as is; BIT(n) as a string of n 0/1 digits,
//   which a PostgreSQL bit(n) column takes.
// - Text is in the connection's charset (utf8mb4 by default), four-byte characters included.
// Every session pins what this text depends on (time_zone, sql_mode, the charset:
// session_setup in connection.hpp), so server, user and init_connect defaults change nothing;
// a source query runs under them too.
#include <optional>
#include <string>

#include "framework/adapters/interfaces.hpp"
#include "framework/adapters/mysql/connection.hpp"
#include "framework/adapters/mysql/statement.hpp"
#include "framework/adapters/registry.hpp"
#include "framework/adapters/sql_runner.hpp"

namespace sluice::adapters::mysql {

struct SourceOptions {
  ConnectParams connection;
  // Either a query, which may contain {window_start} and {window_end}, or a table
  // (`database.table`); with a time column the rows with it in [start, end) form the window.
  std::optional<std::string> query;
  std::optional<std::string> table;
  std::string time_column;
};

std::unique_ptr<Source> make_source(SourceOptions options);

// MariaDB (or MySQL) as a target (target.cpp): each window's load in one transaction, the
// rows streamed with LOAD DATA LOCAL INFILE (infile_feed.hpp; their text made what the
// columns take: infile_text.hpp), all or nothing on InnoDB. replace_window deletes the window
// first; append only loads; upsert loads a temporary table and moves its rows with INSERT ...
// ON DUPLICATE KEY UPDATE. The load fails on any warning of the server (with LOCAL, a value
// the column cannot take or a duplicate key is only a warning), so nothing is silently
// changed or dropped.
struct TargetOptions {
  ConnectParams connection;
  std::string table;        // `table` or `database.table`
  std::string time_column;  // the window's rows are those with it in [start, end)
  LoadSettings load{};
};
std::unique_ptr<Target> make_target(TargetOptions options);

// The SELECT of a window. {window_start} and {window_end} become the session variables
// @sluice_window_start / @sluice_window_end as DATETIME(6), set before each statement: the
// bounds are bound, never spliced into the query text.
std::string window_select(const SourceOptions& options);
// `a.b` -> `` `a`.`b` ``, with backticks doubled.
std::string quote_qualified(std::string_view name);
// One name in backticks (doubled inside), dots and all.
std::string quote_identifier(std::string_view name);
// Sets the session variables window_select() reads to `w`'s bounds, with the server's limit
// on the statements' time from the connection's deadline.
Result<void> bind_window(Connection& conn, const Window& w);

// A statement with the placeholders of sql_template.hpp: `?` for each one, and the values
// they take in ctx's window, in order (sql_runner.cpp).
struct Bound {
  std::string sql;
  std::vector<Value> values;
};
Bound bound_statement(std::string_view statement, const sql::Scanned& scanned,
                      const WindowContext& ctx);

// A SQL pipeline's runner on `table` (`table` or `database.table`) and its time column
// (sql_runner.cpp).
std::unique_ptr<SqlRunner> make_sql_runner(ConnectParams connection, std::string table,
                                           std::string time_column);

// The registry row's factories and probe (framework/adapters/registry.hpp).
Result<ConnectParams> connect_params(const adapters::ConnectionConfig& connection);
Result<std::unique_ptr<Source>> source_from_config(const adapters::ConnectionConfig& connection,
                                                   const adapters::EndpointConfig& source);
Result<std::unique_ptr<Target>> target_from_config(const adapters::ConnectionConfig& connection,
                                                   const adapters::EndpointConfig& target);
Result<std::unique_ptr<SqlRunner>> sql_runner_from_config(
    const adapters::ConnectionConfig& connection, const adapters::EndpointConfig& target);
Result<std::string> probe(const adapters::ConnectionConfig& connection);
// Data checks (window_query.hpp; check_server.cpp).
Result<std::unique_ptr<CheckServer>> check_server_from_config(
    const adapters::ConnectionConfig& connection, const adapters::EndpointConfig* section,
    Role role);

}  // namespace sluice::adapters::mysql
