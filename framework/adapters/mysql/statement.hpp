#pragma once
// Prepared statements on a MariaDB connection: `?` parameters bound as typed values (a
// DATETIME or DATE as MYSQL_TIME, text as a string), never pasted into the statement, and
// results read as text. For a SQL pipeline's statements and the catalog queries of deploy.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "framework/adapters/mysql/connection.hpp"
#include "framework/core/instant.hpp"

namespace sluice::adapters::mysql {

struct Value {
  enum class Type { datetime, date, text };
  Type type = Type::text;
  Instant at{};      // datetime, date (the date of `at` in UTC)
  std::string text;  // text

  static Value datetime(Instant t) { return {Type::datetime, t, {}}; }
  static Value date(Instant t) { return {Type::date, t, {}}; }
  static Value string(std::string s) { return {Type::text, {}, std::move(s)}; }
};

// information_schema's condition on TABLE_SCHEMA and TABLE_NAME for `table` (`table` or
// `database.table`; without a database, the connection's), and the values of its `?`.
struct TableCondition {
  std::string sql;
  std::vector<Value> values;
};
TableCondition table_condition(const std::string& table);

using TextRows = std::vector<std::vector<std::optional<std::string>>>;

// Runs `sql`, its `?` bound to `values` in order; returns the rows it affected.
Result<std::int64_t> run_prepared(Connection& conn, const std::string& sql,
                                  const std::vector<Value>& values);
// Runs a query the same way; returns its rows as text (NULL as nullopt).
Result<TextRows> query_prepared(Connection& conn, const std::string& sql,
                                const std::vector<Value>& values);
// The one whole number a query selects.
Result<std::int64_t> number_prepared(Connection& conn, const std::string& sql,
                                     const std::vector<Value>& values);

}  // namespace sluice::adapters::mysql
