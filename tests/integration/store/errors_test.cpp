// Real server errors, classified: what a worker would see, not hand-built exceptions.
#include <future>
#include <thread>

#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include "framework/store/errors.hpp"
#include "tests/support/test_database.hpp"

using namespace sluice;
using test::error_of;
using test::run_sql;
using test::TestDatabase;

namespace {

void add_two_records(store::Connection& c) {
  run_sql(c,
          "INSERT INTO pipeline_records (pipeline_id, target_day, window_start_time,"
          " window_end_time, time_interval) VALUES"
          " ('a', '2024-01-01', '2024-01-01T00:00Z', '2024-01-01T01:00Z', '1h'),"
          " ('a', '2024-01-01', '2024-01-01T01:00Z', '2024-01-01T02:00Z', '1h')");
}

}  // namespace

TEST_CASE("statement errors from the server are classified", "[store][errors]") {
  TestDatabase db;
  db.migrate();
  auto c = db.connect();
  struct Case {
    const char* name;
    const char* sql;
    ErrorKind kind;
    const char* sqlstate;
  };
  for (auto k : {
           Case{"syntax", "SELEC 1", ErrorKind::permanent, "42601"},
           Case{"undefined table", "SELECT * FROM no_such_table", ErrorKind::permanent, "42P01"},
           Case{"undefined column", "SELECT nope FROM pipeline_records", ErrorKind::permanent,
                "42703"},
           Case{"invalid input", "SELECT 'yesterday-ish'::timestamptz", ErrorKind::permanent,
                "22007"},
           Case{"statement timeout", "SET statement_timeout = '50ms'; SELECT pg_sleep(2)",
                ErrorKind::retryable, "57014"},
       }) {
    INFO(k.name);
    const Error e = error_of([&] { run_sql(*c, k.sql); });
    CHECK(e.kind == k.kind);
    CHECK_THAT(e.message, Catch::StartsWith("testing: ") &&
                              Catch::EndsWith(std::string("[SQLSTATE ") + k.sqlstate + "]"));
  }
  run_sql(*c, "RESET statement_timeout");
}

TEST_CASE("a lock wait past lock_timeout is retryable", "[store][errors]") {
  TestDatabase db;
  db.migrate();
  auto holder = db.connect();
  auto waiter = db.connect();
  add_two_records(*holder);
  pqxx::work hold(*holder);
  hold.exec("SELECT * FROM pipeline_records FOR UPDATE");
  const Error e = error_of([&] {
    pqxx::work tx(*waiter);
    tx.exec("SET LOCAL lock_timeout = '100ms'");
    tx.exec("UPDATE pipeline_records SET retry_attempt = 1");
  });
  CHECK(e.kind == ErrorKind::retryable);
  CHECK_THAT(e.message, Catch::EndsWith("[SQLSTATE 55P03]"));
}

TEST_CASE("a deadlock is retryable", "[store][errors]") {
  TestDatabase db;
  db.migrate();
  auto first = db.connect();
  auto second = db.connect();
  add_two_records(*first);
  const char* lock_1 =
      "UPDATE pipeline_records SET retry_attempt = 1 WHERE window_start_time = "
      "'2024-01-01T00:00Z'";
  const char* lock_2 =
      "UPDATE pipeline_records SET retry_attempt = 1 WHERE window_start_time = "
      "'2024-01-01T01:00Z'";
  pqxx::work a(*first);
  pqxx::work b(*second);
  a.exec(lock_1);
  b.exec(lock_2);
  // Each now waits for the other; the server kills one of them.
  auto a_result =
      std::async(std::launch::async, [&] { return store::attempt("a", [&] { a.exec(lock_2); }); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto b_result = store::attempt("b", [&] { b.exec(lock_1); });
  auto a_done = a_result.get();
  REQUIRE(a_done.has_value() != b_result.has_value());
  const Error e = a_done ? b_result.error() : a_done.error();
  CHECK(e.kind == ErrorKind::retryable);
  CHECK_THAT(e.message,
             Catch::Contains("deadlock detected") && Catch::EndsWith("[SQLSTATE 40P01]"));
}

TEST_CASE("a connection the server terminates is retryable", "[store][errors]") {
  TestDatabase db;
  auto victim = db.connect();
  auto admin = db.connect();
  const int pid = victim->backendpid();
  run_sql(*admin, "SELECT pg_terminate_backend(" + std::to_string(pid) + ")");
  const Error e = error_of([&] { run_sql(*victim, "SELECT 1"); });
  CHECK(e.kind == ErrorKind::retryable);
}

TEST_CASE("connection failures name the target, never the password", "[store][errors]") {
  TestDatabase db;
  const auto target = store::parse_database_url(db.url());
  REQUIRE(target);

  SECTION("nothing listens: retryable") {
    auto c = store::connect("postgresql://sluice:s3cretpw@127.0.0.1:1/orders");
    REQUIRE_FALSE(c);
    CHECK(c.error().kind == ErrorKind::retryable);
    CHECK_THAT(c.error().message,
               Catch::StartsWith("cannot connect to PostgreSQL (host 127.0.0.1, port 1, database "
                                 "orders, user sluice): ") &&
                   !Catch::Contains("s3cretpw"));
  }
  SECTION("the database does not exist: permanent") {
    auto c =
        store::connect("host=" + target->host + " port=" + target->port + " user=" + target->user +
                       " dbname=no_such_database_here password=s3cretpw");
    REQUIRE_FALSE(c);
    CHECK(c.error().kind == ErrorKind::permanent);
    CHECK_THAT(c.error().message, Catch::Contains("database no_such_database_here") &&
                                      Catch::Contains("does not exist") &&
                                      !Catch::Contains("s3cretpw"));
  }
  SECTION("a good URL gives a session in UTC") {
    auto c = store::connect(db.url());
    REQUIRE(c);
    CHECK(run_sql(**c, "SHOW TimeZone")[0][0].as<std::string>() == "UTC");
    CHECK(run_sql(**c,
                  "SELECT application_name FROM pg_stat_activity WHERE pid = "
                  "pg_backend_pid()")[0][0]
              .as<std::string>() == "sluice");
  }
}
