#include <functional>
#include <vector>

#include <catch2/catch.hpp>
#include <pqxx/except>

#include "framework/store/errors.hpp"

using namespace sluice;
using store::classify;
using store::classify_connection_failure;
using store::classify_sqlstate;

TEST_CASE("SQLSTATEs map to the kind that decides what follows", "[store][errors]") {
  struct Case {
    const char* name;
    const char* sqlstate;
    ErrorKind kind;
  };
  for (auto c : {
           Case{"connection failure", "08006", ErrorKind::retryable},
           Case{"connection does not exist", "08003", ErrorKind::retryable},
           Case{"serialization failure", "40001", ErrorKind::retryable},
           Case{"deadlock", "40P01", ErrorKind::retryable},
           Case{"lock timeout", "55P03", ErrorKind::retryable},
           Case{"statement timeout / cancel", "57014", ErrorKind::retryable},
           Case{"admin shutdown", "57P01", ErrorKind::retryable},
           Case{"crash shutdown", "57P02", ErrorKind::retryable},
           Case{"cannot connect now", "57P03", ErrorKind::retryable},
           Case{"too many connections", "53300", ErrorKind::retryable},
           Case{"disk full", "53100", ErrorKind::retryable},
           Case{"I/O error", "58030", ErrorKind::retryable},
           Case{"read-only transaction (failover)", "25006", ErrorKind::retryable},
           Case{"syntax error", "42601", ErrorKind::permanent},
           Case{"undefined table", "42P01", ErrorKind::permanent},
           Case{"undefined column", "42703", ErrorKind::permanent},
           Case{"insufficient privilege", "42501", ErrorKind::permanent},
           Case{"invalid password", "28P01", ErrorKind::permanent},
           Case{"invalid authorization", "28000", ErrorKind::permanent},
           Case{"unknown database", "3D000", ErrorKind::permanent},
           Case{"invalid datetime", "22007", ErrorKind::permanent},
           Case{"database dropped", "57P04", ErrorKind::permanent},
           Case{"internal error", "XX000", ErrorKind::permanent},
           Case{"unique violation", "23505", ErrorKind::integrity},
           Case{"check violation", "23514", ErrorKind::integrity},
           Case{"foreign key violation", "23503", ErrorKind::integrity},
           Case{"not null violation", "23502", ErrorKind::integrity},
           Case{"deferred constraint at commit", "40002", ErrorKind::integrity},
           Case{"unknown code", "ZZ999", ErrorKind::permanent},
           Case{"empty", "", ErrorKind::permanent},
           Case{"truncated class only", "40", ErrorKind::permanent},
       }) {
    INFO(c.name << " " << c.sqlstate);
    CHECK(classify_sqlstate(c.sqlstate) == c.kind);
  }
}

TEST_CASE("connection failures are retryable unless a person must fix them", "[store][errors]") {
  struct Case {
    const char* name;
    const char* message;
    ErrorKind kind;
  };
  for (auto c : {
           Case{"refused",
                "connection to server at \"127.0.0.1\", port 1 failed: Connection refused",
                ErrorKind::retryable},
           Case{"timeout",
                "connection to server at \"10.0.0.1\", port 5432 failed: timeout expired",
                ErrorKind::retryable},
           Case{"server went away", "server closed the connection unexpectedly",
                ErrorKind::retryable},
           Case{"starting up", "FATAL:  the database system is starting up", ErrorKind::retryable},
           Case{"temporary DNS failure",
                "could not translate host name \"db\" to address: Temporary failure in name "
                "resolution",
                ErrorKind::retryable},
           Case{"wrong password", "FATAL:  password authentication failed for user \"sluice\"",
                ErrorKind::permanent},
           Case{"no password", "fe_sendauth: no password supplied", ErrorKind::permanent},
           Case{"unknown database", "FATAL:  database \"nodb\" does not exist",
                ErrorKind::permanent},
           Case{"unknown role", "FATAL:  role \"bob\" does not exist", ErrorKind::permanent},
           Case{"pg_hba", "FATAL:  no pg_hba.conf entry for host \"10.1.1.1\"",
                ErrorKind::permanent},
           Case{"unknown host",
                "could not translate host name \"dbb\" to address: Name or service not known",
                ErrorKind::permanent},
           Case{"bad port", "invalid integer value \"abc\" for connection option \"port\"",
                ErrorKind::permanent},
       }) {
    INFO(c.name);
    CHECK(classify_connection_failure(c.message) == c.kind);
  }
}

TEST_CASE("classify reads libpqxx's exception types and keeps one readable line",
          "[store][errors]") {
  SECTION("an SQL error carries its state and detail") {
    const pqxx::unique_violation e(
        "ERROR:  duplicate key value violates unique constraint "
        "\"pipeline_records_window_unique\"\n"
        "DETAIL:  Key (pipeline_id, window_start_time)=(orders, 2024-01-01 00:00:00+00) already "
        "exists.\n",
        "INSERT ...", "23505");
    const Error error = classify(e, "inserting records");
    CHECK(error.kind == ErrorKind::integrity);
    CHECK(error.message ==
          "inserting records: duplicate key value violates unique constraint "
          "\"pipeline_records_window_unique\" (Key (pipeline_id, window_start_time)=(orders, "
          "2024-01-01 00:00:00+00) already exists.) [SQLSTATE 23505]");
  }
  SECTION("a syntax error drops the LINE and caret lines") {
    const pqxx::syntax_error e(
        "ERROR:  syntax error at or near \"SELEC\"\nLINE 1: SELEC 1\n        ^\n", "SELEC 1",
        "42601");
    const Error error = classify(e, "claiming");
    CHECK(error.kind == ErrorKind::permanent);
    CHECK(error.message == "claiming: syntax error at or near \"SELEC\" [SQLSTATE 42601]");
  }
  SECTION("a broken connection is retryable, with libpq's lines joined") {
    const pqxx::broken_connection e(
        "connection to server at \"127.0.0.1\", port 1 failed: Connection refused\n"
        "\tIs the server running on that host and accepting TCP/IP connections?\n");
    const Error error = classify(e, "connecting");
    CHECK(error.kind == ErrorKind::retryable);
    CHECK(error.message ==
          "connecting: connection to server at \"127.0.0.1\", port 1 failed: Connection refused. "
          "Is the server running on that host and accepting TCP/IP connections?");
  }
  SECTION("a refused login is permanent, without the server's severity") {
    const pqxx::broken_connection e(
        "connection to server at \"h\", port 5432 failed: FATAL:  password authentication "
        "failed for user \"sluice\"\n");
    const Error error = classify(e, "connecting");
    CHECK(error.kind == ErrorKind::permanent);
    CHECK(error.message ==
          "connecting: connection to server at \"h\", port 5432 failed: "
          "password authentication failed for user \"sluice\"");
  }
  SECTION("libpqxx's own class-40 types are retryable and get their state back") {
    struct Case {
      const char* name;
      std::function<void()> raise;
      const char* state;
    };
    for (const auto& c : std::vector<Case>{
             {"deadlock", [] { throw pqxx::deadlock_detected("ERROR:  deadlock detected\n"); },
              "40P01"},
             {"serialization",
              [] { throw pqxx::serialization_failure("ERROR:  could not serialize\n"); }, "40001"},
             {"completion unknown",
              [] { throw pqxx::statement_completion_unknown("ERROR:  unknown\n"); }, "40003"},
             {"other rollback", [] { throw pqxx::transaction_rollback("ERROR:  rolled back\n"); },
              "40000"},
         }) {
      INFO(c.name);
      auto r = store::attempt("finishing", c.raise);
      REQUIRE_FALSE(r);
      CHECK(r.error().kind == ErrorKind::retryable);
      CHECK_THAT(r.error().message, Catch::EndsWith(std::string("[SQLSTATE ") + c.state + "]"));
    }
  }
  SECTION("a commit whose outcome is unknown is retryable") {
    const Error error = classify(pqxx::in_doubt_error("connection lost during commit"), "finish");
    CHECK(error.kind == ErrorKind::retryable);
    CHECK_THAT(error.message, Catch::Contains("commit outcome unknown"));
  }
  SECTION("misuse of the library and anything else is permanent") {
    CHECK(classify(pqxx::usage_error("two transactions"), "x").kind == ErrorKind::permanent);
    CHECK(classify(std::runtime_error("boom"), "x").kind == ErrorKind::permanent);
  }
}

TEST_CASE("attempt turns exceptions into classified errors and passes values through",
          "[store][errors]") {
  auto ok = store::attempt("counting", [] { return 42; });
  REQUIRE(ok);
  CHECK(*ok == 42);

  auto none = store::attempt("nothing", [] {});
  CHECK(none.has_value());

  auto failed = store::attempt("locking", []() -> int {
    throw pqxx::sql_error("ERROR:  canceling statement due to lock timeout\n", "UPDATE", "55P03");
  });
  REQUIRE_FALSE(failed);
  CHECK(failed.error().kind == ErrorKind::retryable);
  CHECK(failed.error().message ==
        "locking: canceling statement due to lock timeout [SQLSTATE 55P03]");
}

TEST_CASE("only a lost connection says the database is out of reach, not a refused statement",
          "[store][errors]") {
  struct Case {
    const char* name;
    std::function<void()> raise;
    bool lost;
  };
  const auto sql = [](const char* state) {
    return [state] { throw pqxx::sql_error("ERROR:  x\n", "UPDATE", state); };
  };
  for (const auto& c : std::vector<Case>{
           {"connection failure 08006", sql("08006"), true},
           {"connection does not exist 08003", sql("08003"), true},
           {"protocol violation 08P01", sql("08P01"), true},
           {"admin shutdown 57P01", sql("57P01"), true},
           {"crash shutdown 57P02", sql("57P02"), true},
           {"cannot connect now 57P03", sql("57P03"), true},
           {"broken connection",
            [] { throw pqxx::broken_connection("server closed the connection unexpectedly"); },
            true},
           {"commit outcome unknown",
            [] { throw pqxx::in_doubt_error("connection lost during commit"); }, true},
           {"a lost connection without a state",
            [] { throw pqxx::sql_error("server closed the connection unexpectedly", "SELECT"); },
            true},
           {"invalid byte sequence 22021", sql("22021"), false},
           {"untranslatable character 22P05", sql("22P05"), false},
           {"numeric out of range 22003", sql("22003"), false},
           {"check violation 23514", sql("23514"), false},
           {"not null violation 23502", sql("23502"), false},
           {"undefined column 42703", sql("42703"), false},
           {"undefined function 42883", sql("42883"), false},
           {"statement timeout 57014", sql("57014"), false},
           {"lock timeout 55P03", sql("55P03"), false},
           {"disk full 53100", sql("53100"), false},
           {"database dropped 57P04", sql("57P04"), false},
           {"deadlock", [] { throw pqxx::deadlock_detected("ERROR:  deadlock detected\n"); },
            false},
           {"misuse", [] { throw pqxx::usage_error("two transactions"); }, false},
       }) {
    INFO(c.name);
    auto r = store::attempt("writing", c.raise);
    REQUIRE_FALSE(r);
    CHECK(r.error().connection_lost == c.lost);
  }
  CHECK(store::is_connection_sqlstate("08000"));
  CHECK_FALSE(store::is_connection_sqlstate("57P04"));
  CHECK_FALSE(store::is_connection_sqlstate("57014"));
  CHECK_FALSE(store::is_connection_sqlstate(""));
}
