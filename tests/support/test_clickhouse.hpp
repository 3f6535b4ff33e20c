#pragma once
// A fresh, uniquely named ClickHouse database per test on the server of
// $SLUICE_TEST_CLICKHOUSE_URL (deploy/lib/clickhouse.sh starts one), dropped by the destructor.
#include <memory>
#include <optional>
#include <string>

#include "framework/net/http_client.hpp"

namespace sluice::test {

class TestClickHouse {
 public:
  // nullopt, after a Catch2 WARN saying how to start a server, when the variable is unset:
  // the calling test then returns early (SKIP).
  static std::optional<TestClickHouse> open_or_skip();
  ~TestClickHouse();
  TestClickHouse(TestClickHouse&& other) noexcept;
  TestClickHouse(const TestClickHouse&) = delete;
  TestClickHouse& operator=(const TestClickHouse&) = delete;
  TestClickHouse& operator=(TestClickHouse&&) = delete;

  const std::string& url() const { return url_; }  // the server, `http://127.0.0.1:PORT`
  const std::string& database() const { return database_; }

  // Runs one statement as `default`; throws std::runtime_error with the server's text on
  // failure. Returns the body (TabSeparated for a SELECT).
  std::string query(const std::string& sql);
  // The same in the test database: unqualified names are its tables.
  std::string query_in_database(const std::string& sql);
  // A SELECT count() as a number.
  long long count(const std::string& table_and_condition);
  // Waits until no mutation (ALTER ... DELETE) is running in the test database.
  void wait_for_mutations();

 private:
  explicit TestClickHouse(std::string url);
  std::string url_;
  std::string database_;
  std::unique_ptr<net::HttpClient> client_;
};

}  // namespace sluice::test
