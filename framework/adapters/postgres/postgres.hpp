#pragma once
// PostgreSQL as a source (a query with the window bound, or a table and its time column)
// and as a target (delete the window and COPY the staged rows in one transaction, so a
// crash never leaves half a window; or append them, or upsert them by key: load_plan.hpp).
#include <optional>
#include <string>

#include "framework/adapters/interfaces.hpp"
#include "framework/adapters/registry.hpp"
#include "framework/adapters/sql_runner.hpp"

namespace sluice::adapters::postgres {

struct SourceOptions {
  std::string conninfo;  // URL or keywords; may carry the password
  // Either a query with the placeholders {window_start} and {window_end}, or a table
  // (`schema.table`) whose rows with time_column in [start, end) form the window.
  std::optional<std::string> query;
  std::optional<std::string> table;
  std::string time_column;
};

struct TargetOptions {
  std::string conninfo;
  std::string table;        // `schema.table`
  std::string time_column;  // the window's rows are those with time_column in [start, end)
  LoadSettings load{};
};

std::unique_ptr<Source> make_source(SourceOptions options);

// The registry row's factories (framework/adapters/registry.hpp).
Result<std::unique_ptr<Source>> source_from_config(const adapters::ConnectionConfig& connection,
                                                   const adapters::EndpointConfig& source);
Result<std::unique_ptr<Target>> target_from_config(const adapters::ConnectionConfig& connection,
                                                   const adapters::EndpointConfig& target);
std::unique_ptr<Target> make_target(TargetOptions options);

// A SQL pipeline's runner on the table and time column of `options` (sql_runner.cpp).
std::unique_ptr<SqlRunner> make_sql_runner(TargetOptions options);
Result<std::unique_ptr<SqlRunner>> sql_runner_from_config(
    const adapters::ConnectionConfig& connection, const adapters::EndpointConfig& target);

// The registry row's data checks (window_query.hpp; check_server.cpp).
Result<std::unique_ptr<CheckServer>> check_server_from_config(
    const adapters::ConnectionConfig& connection, const adapters::EndpointConfig* section,
    Role role);

// The registry row's connection probe: the server's version, database and user.
Result<std::string> probe(const adapters::ConnectionConfig& connection);

// The source's SELECT for a window, with literal bounds (what COPY needs) or $1/$2.
std::string window_select(const SourceOptions& options, const Window& window, bool literal_bounds);

}  // namespace sluice::adapters::postgres
