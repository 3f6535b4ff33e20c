#pragma once
// A fresh, uniquely named database per test on the server of $SLUICE_TEST_DATABASE_URL,
// dropped by the destructor, so integration tests run in parallel without seeing each
// other's rows.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <pqxx/result>

#include "framework/store/database.hpp"

namespace sluice::test {

class TestDatabase {
 public:
  // Throws std::runtime_error saying how to start a server when the variable is unset.
  TestDatabase();
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  // A libpq URL of the new database (the server's URL with the database replaced).
  const std::string& url() const { return url_; }
  const std::string& name() const { return name_; }

  // A new connection to it; throws on failure (tests only).
  std::unique_ptr<store::Connection> connect() const;
  // Applies every embedded migration; throws on failure.
  void migrate() const;

 private:
  std::string server_url_;
  std::string name_;
  std::string url_;
};

// A migrated test database and a connection to it.
struct MigratedDatabase {
  MigratedDatabase() {
    db.migrate();
    c = db.connect();
  }
  TestDatabase db;
  std::unique_ptr<store::Connection> c;
};

// Runs one statement (or several, `;`-separated) in autocommit mode; throws on error.
pqxx::result run_sql(store::Connection& connection, const std::string& sql);

// The one number `sql` selects (a count, mostly).
std::int64_t count(store::Connection& connection, const std::string& sql);

// The classified error `f` fails with, through store::attempt; a test failure if it succeeds.
Error error_of(const std::function<void()>& f);

using store::with_database;

}  // namespace sluice::test
