#include "tests/support/test_clickhouse.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <random>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>
#include <catch2/catch.hpp>

namespace sluice::test {

std::optional<TestClickHouse> TestClickHouse::open_or_skip() {
  const char* url = std::getenv("SLUICE_TEST_CLICKHOUSE_URL");
  if (!url || !*url) {
    WARN(
        "SKIPPED: SLUICE_TEST_CLICKHOUSE_URL is not set: ClickHouse tests need a server. Run "
        "./deploy/test.sh, or: source deploy/lib/clickhouse.sh && ch_start \"$PWD/var/test-ch\"");
    return std::nullopt;
  }
  return TestClickHouse(url);
}

TestClickHouse::TestClickHouse(std::string url)
    : url_(std::move(url)), client_(std::make_unique<net::HttpClient>()) {
  static std::atomic<int> counter{0};
  static const unsigned salt = std::random_device{}();
  database_ = fmt::format("sluice_t_{}_{}_{:08x}", getpid(), counter++, salt);
  query("CREATE DATABASE " + database_);
}

TestClickHouse::TestClickHouse(TestClickHouse&& other) noexcept
    : url_(std::move(other.url_)),
      database_(std::move(other.database_)),
      client_(std::move(other.client_)) {
  other.database_.clear();
}

TestClickHouse::~TestClickHouse() {
  if (database_.empty() || !client_) return;
  try {
    query("DROP DATABASE IF EXISTS " + database_);
  } catch (...) {  // a test that stopped the server leaves the database behind
  }
}

std::string TestClickHouse::query(const std::string& sql) {
  auto r = client_->perform({.method = "POST", .url = url_ + "/", .body = sql});
  if (!r) throw std::runtime_error(r.error().message);
  if (!r->ok()) throw std::runtime_error("ClickHouse: " + r->body + " (query: " + sql + ")");
  return r->body;
}

std::string TestClickHouse::query_in_database(const std::string& sql) {
  auto r =
      client_->perform({.method = "POST", .url = url_ + "/?database=" + database_, .body = sql});
  if (!r) throw std::runtime_error(r.error().message);
  if (!r->ok()) throw std::runtime_error("ClickHouse: " + r->body + " (query: " + sql + ")");
  return r->body;
}

long long TestClickHouse::count(const std::string& table_and_condition) {
  return std::stoll(query("SELECT count() FROM " + table_and_condition));
}

void TestClickHouse::wait_for_mutations() {
  for (int i = 0; i < 600; ++i) {
    if (count("system.mutations WHERE database = '" + database_ + "' AND is_done = 0") == 0) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("ClickHouse: mutations still running after 30 s");
}

}  // namespace sluice::test
