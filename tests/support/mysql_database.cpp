#include "tests/support/mysql_database.hpp"

#include <cstdlib>
#include <random>
#include <stdexcept>

namespace sluice::test {
namespace {

adapters::mysql::Connection connect(const std::string& url) {
  auto params = adapters::mysql::parse_url(url);
  if (!params) throw std::runtime_error(params.error().message);
  auto conn = adapters::mysql::Connection::open(*params);
  if (!conn) throw std::runtime_error(conn.error().message);
  return std::move(*conn);
}

}  // namespace

std::optional<std::string> mysql_server_url(const char* env) {
  const char* url = std::getenv(env);
  if (!url || !*url) return std::nullopt;
  return std::string(url);
}

std::string mysql_skip_message() {
  return std::string("SKIPPED: ") + kMysqlUrlEnv +
         " is not set; run the tests through deploy/test.sh, or `source deploy/lib/mariadb.sh && "
         "mariadb_start var/test-mariadb sluice_test`";
}

MysqlDatabase::MysqlDatabase(const char* env) {
  auto server = mysql_server_url(env);
  if (!server) throw std::runtime_error(mysql_skip_message());
  server_url_ = *server;
  name_ = "sluice_t_" + std::to_string(std::random_device{}());
  auto conn = connect(server_url_);
  if (auto r = conn.exec("CREATE DATABASE `" + name_ + "` CHARACTER SET utf8mb4"); !r)
    throw std::runtime_error(r.error().message);
  const auto query = server_url_.find('?');
  const auto slash = server_url_.find('/', server_url_.find("://") + 3);
  url_ = server_url_.substr(0, slash == std::string::npos ? query : slash) + "/" + name_ +
         (query == std::string::npos ? "" : server_url_.substr(query));
}

MysqlDatabase::~MysqlDatabase() {
  try {
    // A teardown that fails leaves a uniquely named database behind, nothing worse.
    (void)connect(server_url_).exec("DROP DATABASE IF EXISTS `" + name_ + "`");
  } catch (...) {  // a test's teardown must not throw
  }
}

adapters::mysql::ConnectParams MysqlDatabase::params() const {
  return *adapters::mysql::parse_url(url_);
}

void MysqlDatabase::exec(const std::string& sql) const {
  if (auto r = connect(url_).exec(sql); !r)
    throw std::runtime_error(r.error().message + "\n" + sql);
}

std::int64_t MysqlDatabase::count(const std::string& sql) const {
  auto r = connect(url_).query_int(sql);
  if (!r) throw std::runtime_error(r.error().message + "\n" + sql);
  return *r;
}

std::string mysql_literal(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\\' || c == '\'') out += c;
    if (c == '\0') {
      out += "\\0";
      continue;
    }
    out += c;
  }
  return out + "'";
}

}  // namespace sluice::test
