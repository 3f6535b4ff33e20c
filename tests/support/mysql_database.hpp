#pragma once
// A fresh, uniquely named MariaDB database per test on the server of $SLUICE_TEST_MYSQL_URL
// (deploy/test.sh starts one), dropped by the destructor.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "framework/adapters/mysql/connection.hpp"

namespace sluice::test {

inline constexpr const char* kMysqlUrlEnv = "SLUICE_TEST_MYSQL_URL";
// A second server whose defaults (time zone, sql_mode, character sets) all differ from what
// sluice relies on; deploy/test.sh starts it.
inline constexpr const char* kHostileMysqlUrlEnv = "SLUICE_TEST_MYSQL_HOSTILE_URL";

// The server's URL; nullopt when the variable is unset, which a test reports as skipped.
std::optional<std::string> mysql_server_url(const char* env = kMysqlUrlEnv);
// For a test without a server: the message says why it did not run.
std::string mysql_skip_message();

// The first line of a test that needs the server: without one it says why and passes.
#define SLUICE_REQUIRE_MYSQL()                  \
  if (!::sluice::test::mysql_server_url()) {    \
    WARN(::sluice::test::mysql_skip_message()); \
    return;                                     \
  }

class MysqlDatabase {
 public:
  // Throws std::runtime_error when the variable is unset or the server refuses.
  // `env`: the variable naming the server (another one for a server set up differently).
  explicit MysqlDatabase(const char* env = kMysqlUrlEnv);
  ~MysqlDatabase();
  MysqlDatabase(const MysqlDatabase&) = delete;
  MysqlDatabase& operator=(const MysqlDatabase&) = delete;

  const std::string& name() const { return name_; }
  // The server's URL with this database.
  const std::string& url() const { return url_; }
  adapters::mysql::ConnectParams params() const;

  // One statement; throws with the server's message on failure.
  void exec(const std::string& sql) const;
  std::int64_t count(const std::string& sql) const;

 private:
  std::string server_url_;
  std::string name_;
  std::string url_;
};

// A MariaDB string literal: quotes and backslashes escaped, everything else as is.
std::string mysql_literal(std::string_view text);

}  // namespace sluice::test
