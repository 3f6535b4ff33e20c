#include "tests/support/test_database.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <random>
#include <stdexcept>

#include <fmt/format.h>
#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include "framework/store/errors.hpp"
#include "framework/store/migrations.hpp"

namespace sluice::test {
namespace {

std::unique_ptr<store::Connection> connect_or_throw(const std::string& url) {
  auto c = store::connect(url, {.application_name = "sluice-tests"});
  if (!c) throw std::runtime_error(c.error().message);
  return std::move(*c);
}

std::string unique_name() {
  static std::atomic<int> counter{0};
  static const unsigned salt = std::random_device{}();
  return fmt::format("sluice_t_{}_{}_{:08x}", getpid(), counter++, salt);
}

}  // namespace

pqxx::result run_sql(store::Connection& connection, const std::string& sql) {
  pqxx::nontransaction tx(connection);
  return tx.exec(sql);
}

std::int64_t count(store::Connection& connection, const std::string& sql) {
  return run_sql(connection, sql)[0][0].as<std::int64_t>();
}

Error error_of(const std::function<void()>& f) {
  auto r = store::attempt("testing", f);
  REQUIRE_FALSE(r);
  return r.error();
}

TestDatabase::TestDatabase() {
  const char* server = std::getenv("SLUICE_TEST_DATABASE_URL");
  if (!server || !*server) {
    throw std::runtime_error(
        "SLUICE_TEST_DATABASE_URL is not set: integration and e2e tests need a PostgreSQL "
        "server. Run ./deploy/test.sh, or: source deploy/lib/pg.sh && pg_start "
        "\"$PWD/var/test-pg\" sluice_test && export "
        "SLUICE_TEST_DATABASE_URL=$SLUICE_DATABASE_URL");
  }
  server_url_ = server;
  name_ = unique_name();
  auto admin = connect_or_throw(server_url_);
  pqxx::nontransaction tx(*admin);
  tx.exec("CREATE DATABASE " + tx.quote_name(name_));
  url_ = with_database(server_url_, name_);
}

TestDatabase::~TestDatabase() {
  try {
    auto admin = connect_or_throw(server_url_);
    pqxx::nontransaction tx(*admin);
    tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(name_) + " WITH (FORCE)");
  } catch (const std::exception& e) {
    std::cerr << "warning: could not drop test database " << name_ << ": " << e.what() << "\n";
  }
}

std::unique_ptr<store::Connection> TestDatabase::connect() const {
  return connect_or_throw(url_);
}

void TestDatabase::migrate() const {
  auto c = connect();
  if (auto report = store::migrate(*c); !report) throw std::runtime_error(report.error().message);
}

}  // namespace sluice::test
