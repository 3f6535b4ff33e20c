#pragma once
// ClickHouse over its HTTP interface, as a source and as a target.
//
// Source: the window's SELECT runs with `FORMAT TabSeparatedWithNames`; ClickHouse's
// TabSeparated is PostgreSQL's COPY text but for two escapes both readers already accept
// (`\'` for a quote, `\0` for NUL), so the rows go to the sink as COPY text blocks unchanged.
//
// Target: the rows are the body of one `INSERT ... FORMAT TabSeparated`, fed while they are
// extracted (start_load; a StreamedInsert queues them for a sending thread) or read from the
// stage file (load, through the same path). commit() ends the body and checks that the table
// holds exactly the rows sent for the window.
//
// `load_method: delete_insert` (the default): the window's rows are deleted (`ALTER TABLE
// ... DELETE`, an asynchronous mutation, waited for in system.mutations) before the INSERT
// starts. ClickHouse has no transaction across the two, so idempotence comes from the order:
// every attempt deletes whatever an earlier one left (a lost response after a successful
// insert, a failed half insert, a mutation still running) before inserting, and a load that
// fails or is abandoned deletes its window again once its INSERT has answered (ClickHouse
// writes every max_insert_block_size rows as they come, and 18.16 even keeps the rows of a
// chunked body cut short, as if it had ended there). Works on any MergeTree table, whatever
// its partitioning.
//
// `load_method: replace_partition`: the rows go to a staging table created `AS` the
// target, and `ALTER TABLE ... REPLACE PARTITION ... FROM` swaps the window's partition in one
// atomic step, so readers never see the window empty or half loaded. The window must be
// exactly one partition of `partition_expression` (checked before anything is written);
// the staging table shares the target's engine, so Replicated tables are not supported.
//
// `load: upsert`: ClickHouse has no UPDATE to upsert with, but a ReplacingMergeTree table
// keeps one row per sorting key (the last inserted, or the one of the highest version): the
// table must be one, ordered by exactly the `key` columns (checked before anything is
// written). The rows go to a rows table of the load's own, and commit() checks that no key
// repeats among them, INSERTs them into the table (no delete: the window's older versions are
// replaced when ClickHouse merges, and `FINAL` reads see one row per key meanwhile), and
// counts the table's rows holding the window's keys (with FINAL) for the audit; the window
// counts of pre-validation read with FINAL too. A failed attempt leaves at most rows that the
// next attempt's replace: running a window again doubles nothing.
//
// Computed columns: with either method the streamed INSERT fills a rows table of the load's
// own, and one INSERT ... SELECT at commit evaluates them on the way to the target (or the
// staging table): see rows_table_ddl below. A delete_insert whose INSERT ... SELECT fails
// removes its window again, as a failed insert does.
#include <functional>
#include <optional>
#include <span>
#include <string>

#include "framework/adapters/clickhouse/session.hpp"
#include "framework/adapters/interfaces.hpp"
#include "framework/adapters/registry.hpp"
#include "framework/adapters/sql_runner.hpp"

namespace sluice::adapters::clickhouse {

struct SourceOptions {
  ConnectionOptions connection;
  // A query with {window_start} and {window_end} (replaced by toDateTime(<unix seconds>)),
  // or a table whose rows with time_column in [start, end) form the window.
  std::optional<std::string> query;
  std::optional<std::string> table;
  std::string time_column;
};

enum class LoadMethod { delete_insert, replace_partition };

struct TargetOptions {
  ConnectionOptions connection{};
  std::string table{};  // `table` or `database.table`
  std::string time_column{};
  LoadMethod method = LoadMethod::delete_insert;
  std::string partition_expression{};  // replace_partition only
  // How long a load waits for its DELETE mutation before giving up (retryable).
  std::chrono::milliseconds mutation_timeout{std::chrono::minutes(10)};
  // replace_window (by load_method) or upsert: a copy target's `load` and `key`.
  LoadSettings load{};
};

std::unique_ptr<Source> make_source(SourceOptions options);
std::unique_ptr<Target> make_target(TargetOptions options);

// The source's SELECT for a window.
std::string window_select(const SourceOptions& options, const Window& window);

// With computed columns (`transform.columns[].sql`) the staged rows go first to a rows table
// of the load's own, made with the target's column types (engine Log: on disk, written once,
// read once), and one INSERT ... SELECT evaluates the expressions into `into` (the target, or
// the replace_partition staging table). Names are quoted (given quoted: `rows`, `target`,
// `into`); expressions go in as written, each in parentheses.
std::string rows_table_ddl(std::string_view rows, std::string_view target,
                           std::span<const Column> loaded);
std::string computed_insert(std::string_view into, std::string_view rows,
                            std::span<const Column> loaded,
                            std::span<const ComputedColumn> computed);

// A SQL pipeline's runner on the table of `options` (sql_runner.cpp says how it replaces a
// window).
std::unique_ptr<SqlRunner> make_sql_runner(TargetOptions options);
// The placeholders of sql_template.hpp as literals of ctx's window: toDateTime(<unix
// seconds>), toDate('YYYY-MM-DD') (18.16 has no query parameters), for sql::render.
std::function<std::string(sql::Param)> literals(const WindowContext& ctx);

// The registry row's factories and probe (framework/adapters/registry.hpp).
Result<std::unique_ptr<Source>> source_from_config(const adapters::ConnectionConfig& connection,
                                                   const adapters::EndpointConfig& source);
Result<std::unique_ptr<Target>> target_from_config(const adapters::ConnectionConfig& connection,
                                                   const adapters::EndpointConfig& target);
Result<std::unique_ptr<SqlRunner>> sql_runner_from_config(
    const adapters::ConnectionConfig& connection, const adapters::EndpointConfig& target);
Result<std::string> probe(const adapters::ConnectionConfig& connection);
// Data checks (window_query.hpp; check_server.cpp): on the connection of `options`, for the
// window's rows of `rows` (a source's query or table, or a target's table).
std::unique_ptr<CheckServer> make_check_server(ConnectionOptions options,
                                               std::optional<SourceOptions> rows);
Result<std::unique_ptr<CheckServer>> check_server_from_config(
    const adapters::ConnectionConfig& connection, const adapters::EndpointConfig* section,
    Role role);

}  // namespace sluice::adapters::clickhouse
