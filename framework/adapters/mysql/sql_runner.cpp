// MariaDB runs a SQL pipeline's window in one transaction: START TRANSACTION, the delete, the
// insert, the check that every inserted row is in the window, COMMIT. On InnoDB (MariaDB's
// default engine) a crash before COMMIT rolls all of it back when the server sees the
// session end; a table of an engine without transactions (MyISAM, Aria) keeps each
// statement as it ran, and a crash between them can leave the window empty until the next
// attempt. The placeholders are `?` parameters of a prepared statement: window_start and
// window_end as DATETIME values in UTC (the session's time zone, so a TIMESTAMP column
// compares the same instants), target_day as a DATE.
#include <cctype>

#include <date/date.h>

#include "framework/adapters/common_keys.hpp"
#include "framework/adapters/endpoint.hpp"
#include "framework/adapters/mysql/mysql.hpp"
#include "framework/adapters/mysql/statement.hpp"
#include "framework/adapters/sql_runner.hpp"
#include "framework/observe/log.hpp"

namespace sluice::adapters::mysql {
namespace {

constexpr auto kDialect = sql::Dialect::mysql;

}  // namespace

Bound bound_statement(std::string_view statement, const sql::Scanned& scanned,
                      const WindowContext& ctx) {
  const auto v = window_values(ctx);
  Bound out;
  out.sql = sql::render(statement, scanned, [&](sql::Param p) {
    switch (p) {
      case sql::Param::window_start: out.values.push_back(Value::datetime(v.start)); break;
      case sql::Param::window_end: out.values.push_back(Value::datetime(v.end)); break;
      case sql::Param::target_day:
        out.values.push_back(Value::date(date::sys_days{v.target_day}));
        break;
    }
    return std::string("?");
  });
  return out;
}

namespace {

// A written type as information_schema's DATA_TYPE names it: its first word, lower case,
// through MariaDB's synonyms (INTEGER is int, BOOLEAN tinyint, NUMERIC decimal...).
std::string data_type(std::string_view written) {
  std::vector<std::string> words;
  std::string word;
  for (char c : written) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
      if (c == '(') break;
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  if (words.empty()) return {};
  if (words[0] == "national" && words.size() > 1) words.erase(words.begin());
  const std::string& first = words[0];
  const bool varying = words.size() > 1 && words[1] == "varying";
  static const std::vector<std::pair<std::string_view, std::string_view>> synonyms = {
      {"integer", "int"},      {"int4", "int"},
      {"int1", "tinyint"},     {"bool", "tinyint"},
      {"boolean", "tinyint"},  {"int2", "smallint"},
      {"int3", "mediumint"},   {"middleint", "mediumint"},
      {"int8", "bigint"},      {"dec", "decimal"},
      {"numeric", "decimal"},  {"fixed", "decimal"},
      {"real", "double"},      {"float8", "double"},
      {"float4", "float"},     {"nchar", "char"},
      {"nvarchar", "varchar"}, {"serial", "bigint"}};
  if ((first == "character" || first == "char") && varying) return "varchar";
  if (first == "character") return "char";
  for (const auto& [from, to] : synonyms)
    if (first == from) return std::string(to);
  return first;
}

class MysqlSqlRunner final : public SqlRunner {
 public:
  MysqlSqlRunner(ConnectParams params, std::string table, std::string time_column)
      : pool_(std::move(params)), table_(std::move(table)), time_column_(std::move(time_column)) {}

  Result<std::int64_t> count(const WindowContext& ctx, std::string_view query) override {
    auto scanned = scan_checked(query, kDialect, "sql.count");
    if (!scanned) return fail(scanned.error());
    auto conn = pool_.acquire(ctx.deadline);
    if (!conn) return fail(conn.error());
    if (auto r = (*conn)->limit_time(); !r) return fail(r.error());
    const auto bound = bound_statement(query, *scanned, ctx);
    return number_prepared(**conn, bound.sql, bound.values);
  }

  Result<std::optional<std::string>> first_value(const WindowContext& ctx, std::string_view query,
                                                 std::string_view what) override {
    auto scanned = scan_checked(query, kDialect, what);
    if (!scanned) return fail(scanned.error());
    auto conn = pool_.acquire(ctx.deadline);
    if (!conn) return fail(conn.error());
    if (auto r = (*conn)->limit_time(); !r) return fail(r.error());
    const auto bound = bound_statement(query, *scanned, ctx);
    auto rows = query_prepared(**conn, bound.sql, bound.values);
    if (!rows) return fail(rows.error());
    if (rows->empty() || rows->front().empty()) return std::optional<std::string>{};
    return rows->front().front();
  }

  Result<std::int64_t> count_window(const WindowContext& ctx) override {
    auto conn = pool_.acquire(ctx.deadline);
    if (!conn) return fail(conn.error());
    if (auto r = (*conn)->limit_time(); !r) return fail(r.error());
    return count_in_window(**conn, ctx);
  }

  Result<std::int64_t> run_window(const WindowContext& ctx, const SqlStatements& s) override {
    auto insert = scan_checked(s.insert, kDialect, "sql.insert");
    if (!insert) return fail(insert.error());
    std::optional<sql::Scanned> remove;
    if (s.remove) {
      auto scanned = scan_checked(*s.remove, kDialect, "sql.delete");
      if (!scanned) return fail(scanned.error());
      remove = std::move(*scanned);
    }
    auto conn = pool_.acquire(ctx.deadline);
    if (!conn) return fail(conn.error());
    auto rows = in_transaction(**conn, ctx, s, *insert, remove);
    // Whatever failed inside the transaction, the connection is closed rather than pooled
    // with it open: closing rolls it back.
    if (!rows) (*conn)->close();
    return rows;
  }

  Result<std::optional<std::vector<TableColumn>>> table_columns(Deadline* deadline) override {
    auto conn = pool_.acquire(deadline);
    if (!conn) return fail(conn.error());
    const auto where = table_condition(table_);
    auto exists = number_prepared(
        **conn, "SELECT count(*) FROM information_schema.TABLES WHERE " + where.sql, where.values);
    if (!exists) return fail(exists.error());
    if (*exists == 0) return std::optional<std::vector<TableColumn>>{};
    auto rows = query_prepared(**conn,
                               "SELECT COLUMN_NAME, DATA_TYPE FROM information_schema.COLUMNS "
                               "WHERE " +
                                   where.sql + " ORDER BY ORDINAL_POSITION",
                               where.values);
    if (!rows) return fail(rows.error());
    std::vector<TableColumn> out;
    for (const auto& row : *rows)
      if (row.size() == 2 && row[0] && row[1]) out.push_back({*row[0], data_type(*row[1])});
    return std::optional(std::move(out));
  }

  Result<std::vector<std::optional<std::string>>> comparable_types(
      const std::vector<std::string>& written, Deadline*) override {
    std::vector<std::optional<std::string>> out;
    for (const auto& t : written) {
      auto type = data_type(t);
      if (type.empty()) {
        out.emplace_back();
      } else {
        out.emplace_back(std::move(type));
      }
    }
    return out;
  }

  Result<void> execute(const std::string& ddl, Deadline* deadline) override {
    auto conn = pool_.acquire(deadline);
    if (!conn) return fail(conn.error());
    if (auto r = (*conn)->limit_time(); !r) return fail(r.error());
    return (*conn)->exec(ddl);
  }

  Result<void> drop_table(Deadline* deadline) override {
    return execute("DROP TABLE IF EXISTS " + quote_qualified(table_), deadline);
  }

 private:
  Result<std::int64_t> in_transaction(Connection& conn, const WindowContext& ctx,
                                      const SqlStatements& s, const sql::Scanned& insert,
                                      const std::optional<sql::Scanned>& remove) {
    if (auto r = conn.limit_time(); !r) return fail(r.error());
    if (auto r = conn.exec("START TRANSACTION"); !r) return fail(r.error());
    const auto window = window_bounds(ctx);
    const auto removed =
        remove ? bound_statement(*s.remove, *remove, ctx)
               : Bound{"DELETE FROM " + quote_qualified(table_) + " WHERE " + window_condition(),
                       window};
    if (auto r = run_prepared(conn, removed.sql, removed.values); !r) return fail(r.error());
    const auto inserted = bound_statement(s.insert, insert, ctx);
    auto rows = run_prepared(conn, inserted.sql, inserted.values);
    if (!rows) return fail(rows.error());
    auto held = count_in_window(conn, ctx);
    if (!held) return fail(held.error());
    if (*held != *rows) return fail(rows_outside_window(table_, *rows, *held));
    if (auto r = conn.exec("COMMIT"); !r) return fail(r.error());
    observe::logger("adapter.mysql")
        ->debug("{} SQL window: {} rows into {}",
                observe::window_context(ctx.pipeline, ctx.window, ctx.run), *rows, table_);
    return rows;
  }

  std::string window_condition() const {
    const std::string col = quote_qualified(time_column_);
    return col + " >= ? AND " + col + " < ?";
  }
  static std::vector<Value> window_bounds(const WindowContext& ctx) {
    return {Value::datetime(ctx.window.start), Value::datetime(ctx.window.end)};
  }

  Result<std::int64_t> count_in_window(Connection& conn, const WindowContext& ctx) {
    return number_prepared(
        conn, "SELECT count(*) FROM " + quote_qualified(table_) + " WHERE " + window_condition(),
        window_bounds(ctx));
  }

  ConnectionPool pool_;
  std::string table_;
  std::string time_column_;
};

}  // namespace

std::unique_ptr<SqlRunner> make_sql_runner(ConnectParams connection, std::string table,
                                           std::string time_column) {
  return std::make_unique<MysqlSqlRunner>(std::move(connection), std::move(table),
                                          std::move(time_column));
}

Result<std::unique_ptr<SqlRunner>> sql_runner_from_config(
    const adapters::ConnectionConfig& connection, const adapters::EndpointConfig& target) {
  auto params = connect_params(connection);
  if (!params) return fail(params.error());
  auto t = config::bind(sql_target_binding(), target.params);
  return make_sql_runner(std::move(*params), std::move(t.table), std::move(t.time_column));
}

}  // namespace sluice::adapters::mysql
