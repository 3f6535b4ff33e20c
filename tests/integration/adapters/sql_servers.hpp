#pragma once
// The servers a SQL pipeline runs on, behind one face for tests that run the same cases on
// each: a fresh database of the test's own, its dialect's spelling of a few types and
// expressions, and a SqlRunner on one of its tables. A server whose variable is unset is
// skipped with a warning (PostgreSQL's is required, as everywhere).
#include <catch2/catch.hpp>

#include <functional>
#include <memory>
#include <string>

#include "framework/adapters/clickhouse/clickhouse.hpp"
#include "framework/adapters/mysql/mysql.hpp"
#include "framework/adapters/postgres/postgres.hpp"
#include "framework/adapters/sql_runner.hpp"
#include "tests/support/mysql_database.hpp"
#include "tests/support/test_clickhouse.hpp"
#include "tests/support/test_database.hpp"

namespace sluice::test {

class SqlServer {
 public:
  virtual ~SqlServer() = default;
  virtual std::string name() const = 0;
  virtual void exec(const std::string& sql) = 0;
  virtual std::int64_t count(const std::string& sql) = 0;
  virtual std::unique_ptr<adapters::SqlRunner> runner(const std::string& table,
                                                      const std::string& time_column) = 0;
  virtual adapters::sql::Dialect dialect() const = 0;
  // Column types and what follows a CREATE TABLE's column list.
  virtual std::string integer() const = 0;
  virtual std::string small_integer() const = 0;
  virtual std::string timestamp() const = 0;
  virtual std::string text() const { return "text"; }
  virtual std::string table_suffix() const { return ""; }
  // A UTC time `YYYY-MM-DD HH:MM:SS` as a value of timestamp().
  virtual std::string ts(const std::string& utc) const = 0;
  // The date of a timestamp column.
  virtual std::string date_of(const std::string& column) const = 0;
  // A condition that holds after a long sleep (a minute or more), and settings it needs.
  virtual std::string slow_condition() const = 0;
  virtual std::string slow_settings() const { return ""; }
  // The window's delete, written out (a custom `sql.delete`).
  virtual std::string custom_delete() const {
    return "DELETE FROM dst WHERE ts >= :window_start AND ts < :window_end";
  }
  // Waits until what a cancelled statement left behind is gone (ClickHouse's mutations).
  virtual void settle() {}
};

class PostgresServer final : public SqlServer {
 public:
  std::string name() const override { return "PostgreSQL"; }
  void exec(const std::string& sql) override {
    auto c = db_.connect();
    run_sql(*c, sql);
  }
  std::int64_t count(const std::string& sql) override {
    auto c = db_.connect();
    return test::count(*c, sql);
  }
  std::unique_ptr<adapters::SqlRunner> runner(const std::string& table,
                                              const std::string& time_column) override {
    return adapters::postgres::make_sql_runner({db_.url(), table, time_column});
  }
  adapters::sql::Dialect dialect() const override { return adapters::sql::Dialect::postgres; }
  std::string integer() const override { return "bigint"; }
  std::string small_integer() const override { return "integer"; }
  std::string timestamp() const override { return "timestamptz"; }
  std::string ts(const std::string& utc) const override { return "'" + utc + "+00'"; }
  std::string date_of(const std::string& column) const override {
    return "(" + column + " AT TIME ZONE 'UTC')::date";
  }
  std::string slow_condition() const override { return "(SELECT true FROM pg_sleep(60))"; }
  const TestDatabase& database() const { return db_; }

 private:
  TestDatabase db_;
};

class MariaDbServer final : public SqlServer {
 public:
  std::string name() const override { return "MariaDB"; }
  void exec(const std::string& sql) override { db_.exec(sql); }
  std::int64_t count(const std::string& sql) override { return db_.count(sql); }
  std::unique_ptr<adapters::SqlRunner> runner(const std::string& table,
                                              const std::string& time_column) override {
    return adapters::mysql::make_sql_runner(db_.params(), table, time_column);
  }
  adapters::sql::Dialect dialect() const override { return adapters::sql::Dialect::mysql; }
  std::string integer() const override { return "BIGINT"; }
  std::string small_integer() const override { return "INT"; }
  std::string timestamp() const override { return "DATETIME"; }
  std::string table_suffix() const override { return " ENGINE=InnoDB"; }
  std::string ts(const std::string& utc) const override { return "'" + utc + "'"; }
  std::string date_of(const std::string& column) const override { return "DATE(" + column + ")"; }
  std::string slow_condition() const override { return "SLEEP(60) = 0"; }
  const MysqlDatabase& database() const { return db_; }

 private:
  MysqlDatabase db_;
};

class ClickHouseServer final : public SqlServer {
 public:
  explicit ClickHouseServer(TestClickHouse ch) : ch_(std::move(ch)) {}
  std::string name() const override { return "ClickHouse"; }
  void exec(const std::string& sql) override { ch_.query_in_database(sql); }
  std::int64_t count(const std::string& sql) override {
    return std::stoll(ch_.query_in_database(sql));
  }
  std::unique_ptr<adapters::SqlRunner> runner(const std::string& table,
                                              const std::string& time_column) override {
    return adapters::clickhouse::make_sql_runner(options(table, time_column));
  }
  adapters::clickhouse::TargetOptions options(const std::string& table,
                                              const std::string& time_column) const {
    adapters::clickhouse::TargetOptions o;
    o.connection.url = ch_.url();
    o.connection.database = ch_.database();
    o.table = table;
    o.time_column = time_column;
    return o;
  }
  adapters::sql::Dialect dialect() const override { return adapters::sql::Dialect::clickhouse; }
  std::string integer() const override { return "UInt64"; }
  std::string small_integer() const override { return "UInt32"; }
  std::string timestamp() const override { return "DateTime"; }
  std::string text() const override { return "String"; }
  std::string table_suffix() const override { return " ENGINE = MergeTree ORDER BY ts"; }
  std::string ts(const std::string& utc) const override {
    return "toDateTime('" + utc + "', 'UTC')";
  }
  std::string date_of(const std::string& column) const override {
    return "toDate(" + column + ", 'UTC')";
  }
  // At most 3 seconds of sleep per block: one row per block.
  std::string slow_condition() const override { return "sleepEachRow(1) = 0"; }
  std::string slow_settings() const override { return " SETTINGS max_block_size = 1"; }
  std::string custom_delete() const override {
    return "ALTER TABLE dst DELETE WHERE ts >= :window_start AND ts < :window_end";
  }
  void settle() override { ch_.wait_for_mutations(); }
  TestClickHouse& clickhouse() { return ch_; }

 private:
  TestClickHouse ch_;
};

// Runs `f` on a fresh database of each server that is there, each in its own SECTION.
inline void for_each_sql_server(const std::function<void(SqlServer&)>& f) {
  SECTION("PostgreSQL") {
    PostgresServer s;
    f(s);
  }
  SECTION("MariaDB") {
    if (!mysql_server_url()) {
      WARN(mysql_skip_message());
      return;
    }
    MariaDbServer s;
    f(s);
  }
  SECTION("ClickHouse") {
    auto ch = TestClickHouse::open_or_skip();
    if (!ch) return;
    ClickHouseServer s(std::move(*ch));
    f(s);
  }
}

}  // namespace sluice::test
