// PostgreSQL runs a SQL pipeline's window in one transaction: BEGIN, the window's advisory
// lock (the key the target's loads take, so a copy and a SQL load of one table's window wait
// for each other too), the delete, the insert, the check that every inserted row is in the
// window, COMMIT. A crash anywhere before COMMIT (kill -9 of sluiced, a lost connection)
// rolls all of it back when the server sees the session end: the window keeps its old rows
// until a run commits new ones. The placeholders are parameters $1 (window_start,
// timestamptz), $2 (window_end, timestamptz) and $3 (target_day, date), typed by OID.
#include <cctype>
#include <cstdlib>

#include <date/date.h>

#include "framework/adapters/common_keys.hpp"
#include "framework/adapters/endpoint.hpp"
#include "framework/adapters/postgres/conninfo.hpp"
#include "framework/adapters/postgres/libpq.hpp"
#include "framework/adapters/postgres/postgres.hpp"
#include "framework/adapters/postgres/window_template.hpp"
#include "framework/adapters/sql_runner.hpp"
#include "framework/observe/log.hpp"

namespace sluice::adapters::postgres {

using PgType = Connection::ParamType;
const std::vector<PgType> kWindowTypes{PgType::timestamptz, PgType::timestamptz, PgType::date};

std::string parameter_of(sql::Param p) {
  switch (p) {
    case sql::Param::window_start: return "$1";
    case sql::Param::window_end: return "$2";
    case sql::Param::target_day: return "$3";
  }
  return "NULL";
}

std::vector<std::string> window_parameters(const WindowContext& ctx) {
  const auto v = window_values(ctx);
  return {format_utc(v.start), format_utc(v.end), date::format("%F", v.target_day)};
}

namespace {

// A written type as to_regtype takes it: the serial pseudo-types are their integer types.
std::string regtype_input(const std::string& written) {
  std::string lower;
  for (char c : written) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "serial" || lower == "serial4") return "integer";
  if (lower == "bigserial" || lower == "serial8") return "bigint";
  if (lower == "smallserial" || lower == "serial2") return "smallint";
  return written;
}

class PostgresSqlRunner final : public SqlRunner {
 public:
  PostgresSqlRunner(std::string conninfo, std::string table, std::string time_column)
      : pool_(std::move(conninfo), "sluice"),
        table_(std::move(table)),
        time_column_(std::move(time_column)) {}

  Result<std::int64_t> count(const WindowContext& ctx, std::string_view query) override {
    auto r = query_window(ctx, query, "sql.count");
    if (!r) return fail(r.error());
    return single_number(r->get());
  }

  Result<std::optional<std::string>> first_value(const WindowContext& ctx, std::string_view query,
                                                 std::string_view what) override {
    auto r = query_window(ctx, query, what);
    if (!r) return fail(r.error());
    const PGresult* result = r->get();
    if (PQntuples(result) == 0 || PQnfields(result) == 0 || PQgetisnull(result, 0, 0))
      return std::optional<std::string>{};
    return std::optional<std::string>(PQgetvalue(result, 0, 0));
  }

  Result<std::int64_t> count_window(const WindowContext& ctx) override {
    auto conn = pool_.acquire(ctx.deadline);
    if (!conn) return fail(conn.error());
    return count_in_window(**conn, ctx);
  }

  Result<std::int64_t> run_window(const WindowContext& ctx, const SqlStatements& s) override {
    auto insert = scan_checked(s.insert, sql::Dialect::postgres, "sql.insert");
    if (!insert) return fail(insert.error());
    std::optional<sql::Scanned> remove;
    if (s.remove) {
      auto scanned = scan_checked(*s.remove, sql::Dialect::postgres, "sql.delete");
      if (!scanned) return fail(scanned.error());
      remove = std::move(*scanned);
    }
    const auto values = window_parameters(ctx);
    auto conn = pool_.acquire(ctx.deadline);
    if (!conn) return fail(conn.error());
    // Leaving before COMMIT leaves the connection inside its transaction: the lease closes
    // it rather than pool it, which rolls the window back.
    if (auto r = (*conn)->exec("BEGIN"); !r) return fail(r.error());
    if (auto r = (*conn)->exec("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                               {"sluice.load." + table_ + "." + format_utc(ctx.window.start)});
        !r)
      return fail(r.error());
    const std::string remove_sql =
        remove ? sql::render(*s.remove, *remove, parameter_of)
               : "DELETE FROM " + quote_qualified(table_) + " WHERE " + window_condition();
    if (auto r = (*conn)->exec_typed(remove_sql, values, kWindowTypes); !r) return fail(r.error());
    auto inserted =
        (*conn)->exec_typed(sql::render(s.insert, *insert, parameter_of), values, kWindowTypes);
    if (!inserted) return fail(inserted.error());
    const std::int64_t rows = std::strtoll(PQcmdTuples(inserted->get()), nullptr, 10);
    auto held = count_in_window(**conn, ctx);
    if (!held) return fail(held.error());
    if (*held != rows) return fail(rows_outside_window(table_, rows, *held));
    if (auto r = (*conn)->exec("COMMIT"); !r) return fail(r.error());
    observe::logger("adapter.postgres")
        ->debug("{} SQL window: {} rows into {}",
                observe::window_context(ctx.pipeline, ctx.window, ctx.run), rows, table_);
    return rows;
  }

  Result<std::optional<std::vector<TableColumn>>> table_columns(Deadline* deadline) override {
    auto conn = pool_.acquire(deadline);
    if (!conn) return fail(conn.error());
    const std::vector<std::string> name{quote_qualified(table_)};
    auto exists = (*conn)->exec_count("SELECT count(to_regclass($1))", name);
    if (!exists) return fail(exists.error());
    if (*exists == 0) return std::optional<std::vector<TableColumn>>{};
    auto r = (*conn)->exec(
        "SELECT attname, atttypid::regtype::text FROM pg_attribute WHERE attrelid = "
        "to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
        name);
    if (!r) return fail(r.error());
    std::vector<TableColumn> out;
    out.reserve(static_cast<std::size_t>(PQntuples(r->get())));
    for (int i = 0; i < PQntuples(r->get()); ++i)
      out.push_back({PQgetvalue(r->get(), i, 0), PQgetvalue(r->get(), i, 1)});
    return std::optional(std::move(out));
  }

  // The server names the types: to_regtype reads a type as CREATE TABLE does and gives the
  // name the catalog gives (`int8` and `bigint` both `bigint`), without length or precision.
  Result<std::vector<std::optional<std::string>>> comparable_types(
      const std::vector<std::string>& written, Deadline* deadline) override {
    auto conn = pool_.acquire(deadline);
    if (!conn) return fail(conn.error());
    std::vector<std::optional<std::string>> out;
    for (const auto& type : written) {
      // A type the server cannot read (a syntax error) is compared by name only.
      auto r = (*conn)->exec("SELECT to_regtype($1)::text", {regtype_input(type)});
      if (!r || PQgetisnull(r->get(), 0, 0)) {
        out.emplace_back();
      } else {
        out.emplace_back(PQgetvalue(r->get(), 0, 0));
      }
    }
    return out;
  }

  Result<void> execute(const std::string& ddl, Deadline* deadline) override {
    auto conn = pool_.acquire(deadline);
    if (!conn) return fail(conn.error());
    if (auto r = (*conn)->exec(ddl); !r) return fail(r.error());
    return {};
  }

  Result<void> drop_table(Deadline* deadline) override {
    return execute("DROP TABLE IF EXISTS " + quote_qualified(table_), deadline);
  }

 private:
  // `query` with the window bound into it, on a pooled connection.
  Result<ResultPtr> query_window(const WindowContext& ctx, std::string_view query,
                                 std::string_view what) {
    auto scanned = scan_checked(query, sql::Dialect::postgres, what);
    if (!scanned) return fail(scanned.error());
    auto conn = pool_.acquire(ctx.deadline);
    if (!conn) return fail(conn.error());
    return (*conn)->exec_typed(sql::render(query, *scanned, parameter_of), window_parameters(ctx),
                               kWindowTypes);
  }

  std::string window_condition() const {
    const std::string col = quote_identifier(time_column_);
    return col + " >= $1 AND " + col + " < $2";
  }

  Result<std::int64_t> count_in_window(Connection& conn, const WindowContext& ctx) {
    auto r = conn.exec_typed(
        "SELECT count(*) FROM " + quote_qualified(table_) + " WHERE " + window_condition(),
        window_parameters(ctx), kWindowTypes);
    if (!r) return fail(r.error());
    return single_number(r->get());
  }

  ConnectionPool pool_;
  std::string table_;
  std::string time_column_;
};

}  // namespace

std::unique_ptr<SqlRunner> make_sql_runner(TargetOptions options) {
  return std::make_unique<PostgresSqlRunner>(std::move(options.conninfo), std::move(options.table),
                                             std::move(options.time_column));
}

Result<std::unique_ptr<SqlRunner>> sql_runner_from_config(
    const adapters::ConnectionConfig& connection, const adapters::EndpointConfig& target) {
  auto conninfo = resolved_conninfo(connection);
  if (!conninfo) return fail(conninfo.error());
  auto t = config::bind(sql_target_binding(), target.params);
  return make_sql_runner({*conninfo, std::move(t.table), std::move(t.time_column)});
}

}  // namespace sluice::adapters::postgres
