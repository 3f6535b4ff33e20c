// A password holding `% @ / ? # :`, spaces or non-ASCII, given as a secret reference inside a
// connection URL, logs in to the real servers; a wrong or unusable one fails with an error
// that never shows it. (The test PostgreSQL trusts 127.0.0.1, so a wrong password cannot be
// refused there; MariaDB checks passwords, and covers that case.)
#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include "framework/adapters/mysql/connection.hpp"
#include "framework/adapters/postgres/libpq.hpp"
#include "framework/adapters/registry.hpp"
#include "framework/config/database_url.hpp"
#include "framework/config/load.hpp"
#include "tests/support/files.hpp"
#include "tests/support/mysql_database.hpp"
#include "tests/support/paths.hpp"
#include "tests/support/test_database.hpp"

using namespace sluice;

namespace {

const std::vector<std::string> kPasswords = {"p%40ss@w/rd?x#y:z", "with space and 'quote'",
                                             "caf\xC3\xA9\xE2\x82\xAC-\xF0\x9F\x94\x91",
                                             "back\\slash&amp=1;+", "%%%41@@@"};

// A config in a fresh directory whose secrets come from `env`.
struct Loaded {
  test::TempDir dir;
  config::Environment env;
  config::Config config;

  Loaded(const std::string& daemon, std::map<std::string, std::string> vars)
      : env(config::Environment::fixed(std::move(vars))) {
    test::write_file(dir.path() / "sluice.yaml", daemon);
    auto loaded = config::load_config(dir.path() / "sluice.yaml", {&env, true});
    if (!loaded) {
      for (const auto& d : loaded.error()) UNSCOPED_INFO(config::to_string(d));
    }
    REQUIRE(loaded);
    config = std::move(*loaded);
  }

  Result<std::string> probe(const std::string& name) const {
    const auto* c = config.daemon.find_connection(name);
    REQUIRE(c);
    return c->adapter->probe(*c);
  }
};

void check_hidden(const std::string& text, const std::string& password) {
  INFO(text);
  CHECK(text.find(password) == std::string::npos);
  for (std::size_t at = 0; at + 6 <= password.size(); at += 3) {
    CHECK(text.find(password.substr(at, 6)) == std::string::npos);
  }
}

}  // namespace

TEST_CASE("a hostile password in a PostgreSQL URL reference logs in", "[postgres][secrets]") {
  test::TestDatabase db;
  auto admin = db.connect();
  const auto target = store::parse_database_url(db.url());
  REQUIRE(target);
  const std::string role = db.name() + "_login";
  test::run_sql(*admin, "CREATE ROLE " + role + " LOGIN");
  for (const auto& password : kPasswords) {
    INFO(password);
    test::run_sql(*admin, "ALTER ROLE " + role + " PASSWORD " + admin->quote(password));
    const std::string where = target->host + ":" + target->port + "/" + db.name();
    Loaded loaded("database:\n  url: postgresql://" + role + ":${env:PW}@" + where +
                      "\nconnections:\n  pg:\n    kind: postgres\n    url: postgresql://" + role +
                      ":${env:PW}@" + where +
                      "?sslmode=disable\n  closed:\n"
                      "    kind: postgres\n    url: postgresql://" +
                      role + ":${env:PW}@" + target->host + ":1/" + db.name() +
                      "?connect_timeout=2\n",
                  {{"PW", password}});

    // The adapter's probe (`sluicectl connections test`) and the store's own connection.
    const auto answer = loaded.probe("pg");
    REQUIRE(answer);
    CHECK_THAT(*answer,
               Catch::Contains("user " + role) && Catch::Contains("database " + db.name()));
    const auto url = config::resolve_database_url("", &loaded.config.daemon.database, loaded.env);
    REQUIRE(url);
    auto store = store::connect(url->url.reveal());
    REQUIRE(store);
    CHECK(test::run_sql(**store, "SELECT current_user")[0][0].as<std::string>() == role);

    // Nothing listens on port 1: an outage, retryable, and the password stays out of it.
    const auto closed = loaded.probe("closed");
    REQUIRE_FALSE(closed);
    CHECK(closed.error().kind == ErrorKind::retryable);
    check_hidden(closed.error().message, password);
  }
}

TEST_CASE("a connection URL whose password was pasted unencoded fails for good, unquoted",
          "[postgres][mysql][secrets]") {
  for (const std::string password : {"hunter2@db/hunter3", "50%hunter2", "pa#hunter2-and-more",
                                     "pa/hunter2?x", "hunter2 hunter3"}) {
    INFO(password);
    const std::string pg = "postgresql://app:" + password + "@localhost/app";
    auto store = store::connect(pg);
    REQUIRE_FALSE(store);
    CHECK(store.error().kind == ErrorKind::permanent);
    check_hidden(store.error().message, "hunter2");
    auto adapter = adapters::postgres::Connection::open(pg, "test");
    REQUIRE_FALSE(adapter);
    CHECK(adapter.error().kind == ErrorKind::permanent);
    check_hidden(adapter.error().message, "hunter2");
    auto my = adapters::mysql::parse_url("mysql://app:" + password + "@localhost:3306/app");
    REQUIRE_FALSE(my);
    CHECK(my.error().kind == ErrorKind::permanent);
    check_hidden(my.error().message, "hunter2");
  }
}

TEST_CASE("a hostile password in a MariaDB URL reference logs in, a wrong one is refused unshown",
          "[mysql][secrets]") {
  SLUICE_REQUIRE_MYSQL();
  test::MysqlDatabase db;
  const auto params = db.params();
  const std::string user = "pw_" + db.name().substr(db.name().size() - 8);
  for (const auto& password : kPasswords) {
    INFO(password);
    db.exec("DROP USER IF EXISTS '" + user + "'@'%'");
    db.exec("CREATE USER '" + user + "'@'%' IDENTIFIED BY " + test::mysql_literal(password));
    // No database in the URL: the new user has no grants, and logging in is the point.
    const std::string url =
        "mysql://" + user + ":${env:PW}@" + params.host + ":" + std::to_string(params.port);
    Loaded right("connections:\n  my:\n    kind: mysql\n    url: " + url + "\n",
                 {{"PW", password}});
    const auto answer = right.probe("my");
    INFO((answer ? *answer : answer.error().message));
    CHECK(answer);

    Loaded wrong("connections:\n  my:\n    kind: mysql\n    url: " + url + "\n",
                 {{"PW", password + "-wrong"}});
    const auto refused = wrong.probe("my");
    REQUIRE_FALSE(refused);
    CHECK(refused.error().kind == ErrorKind::permanent);
    CHECK_THAT(refused.error().message, Catch::Contains("Access denied"));
    check_hidden(refused.error().message, password);
  }
  db.exec("DROP USER IF EXISTS '" + user + "'@'%'");
}
