// The MySQL adapter's pure parts: URL parsing, error classification, value encoding and the
// window's SELECT. The adapter against a real server: tests/integration/adapters/.
#include <catch2/catch.hpp>

#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>

#include "framework/adapters/copy_text.hpp"
#include "framework/adapters/mysql/encode.hpp"
#include "framework/adapters/mysql/mysql.hpp"

using namespace sluice;
using namespace sluice::adapters::mysql;

TEST_CASE("mysql URLs give every part, percent-decoded", "[mysql]") {
  struct Case {
    const char* name;
    const char* url;
    const char* host;
    unsigned port;
    const char* user;
    const char* password;
    const char* database;
  };
  const Case cases[] = {
      {"all parts", "mysql://app:pw@db.example:3307/shop", "db.example", 3307, "app", "pw", "shop"},
      {"default port", "mariadb://app:pw@db/shop", "db", 3306, "app", "pw", "shop"},
      {"no password", "mysql://app@10.0.0.1/shop", "10.0.0.1", 3306, "app", "", "shop"},
      {"no user", "mysql://db:1234", "db", 1234, "", "", ""},
      {"escaped password with @ and :", "mysql://app:p%40ss%3Aw@db/shop", "db", 3306, "app",
       "p@ss:w", "shop"},
      {"escaped database", "mysql://u:p@h/my%20db", "h", 3306, "u", "p", "my db"},
  };
  for (const auto& c : cases) {
    SECTION(c.name) {
      auto p = parse_url(c.url);
      REQUIRE(p);
      CHECK(p->host == c.host);
      CHECK(p->port == c.port);
      CHECK(p->user == c.user);
      CHECK(p->password == c.password);
      CHECK(p->database == c.database);
    }
  }
}

TEST_CASE("mysql URL parameters set TLS, charset and timeout", "[mysql]") {
  auto p = parse_url("mysql://u:p@h/d?ssl_mode=required&charset=utf8mb3&connect_timeout=3");
  REQUIRE(p);
  CHECK(p->ssl_mode == "required");
  CHECK(p->charset == "utf8mb3");
  CHECK(p->connect_timeout == std::chrono::seconds(3));
}

TEST_CASE("bad mysql URLs say what is wrong and never repeat the password", "[mysql]") {
  struct Case {
    const char* name;
    const char* url;
    const char* says;
  };
  const Case cases[] = {
      {"wrong scheme", "postgresql://u:s3cret@h/d", "mysql:// or mariadb://"},
      {"port not a number", "mysql://u:s3cret@h:abc/d", "port 'abc'"},
      {"port out of range", "mysql://u:s3cret@h:70000/d", "from 1 to 65535"},
      {"bad escape", "mysql://u:s3cret%zz@h/d", "no %XX escape"},
      {"bad escape in the database", "mysql://u:s3cret@h/d%zz", "bad %-escape in the database"},
      // As for every connection URL: a second `@` makes the split a guess (libpq would take
      // the first, this parser the last), so the password must write it as %40.
      {"raw @ in the password", "mysql://app:s3cr@t@db/shop", "more than one '@'"},
      {"raw / in the password", "mysql://app:s3cr/t@db/shop", "an '@' after the host"},
      {"no host", "mysql://u:s3cret@/d", "no host"},
      {"unknown parameter", "mysql://u:s3cret@h/d?sslmode=x", "unknown parameter 'sslmode'"},
      {"unknown ssl_mode", "mysql://u:s3cret@h/d?ssl_mode=maybe", "unknown ssl_mode 'maybe'"},
      // The stage holds UTF-8: another charset would hand it other bytes.
      {"latin1", "mysql://u:s3cret@h/d?charset=latin1", "charset 'latin1' is not one of"},
      {"binary", "mysql://u:s3cret@h/d?charset=binary", "charset 'binary' is not one of"},
  };
  for (const auto& c : cases) {
    SECTION(c.name) {
      auto p = parse_url(c.url);
      REQUIRE_FALSE(p);
      CHECK(p.error().kind == ErrorKind::permanent);
      CHECK_THAT(p.error().message, Catch::Contains(c.says));
      CHECK_THAT(p.error().message, !Catch::Contains("s3cret"));
    }
  }
}

TEST_CASE("every mysql session pins time zone, sql_mode and character set", "[mysql]") {
  const std::string setup = session_setup("utf8mb4");
  CHECK(
      setup.starts_with("SET NAMES 'utf8mb4', time_zone = '+00:00', sql_mode = "
                        "'STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'"));
  for (const char* bad : {"ANSI_QUOTES", "PAD_CHAR", "NO_BACKSLASH", "ORACLE"})
    CHECK(setup.find(bad) == std::string::npos);
  CHECK(check_charset("utf8mb4"));
  CHECK_FALSE(check_charset("latin1"));
  CHECK_FALSE(check_charset("UTF8MB4 "));
}

TEST_CASE("mysql error numbers are classified retryable or permanent", "[mysql]") {
  struct Case {
    const char* name;
    unsigned number;
    ErrorKind kind;
  };
  const Case cases[] = {
      {"connection refused", CR_CONN_HOST_ERROR, ErrorKind::retryable},
      {"socket missing", CR_CONNECTION_ERROR, ErrorKind::retryable},
      {"server gone", CR_SERVER_GONE_ERROR, ErrorKind::retryable},
      {"connection lost", CR_SERVER_LOST, ErrorKind::retryable},
      {"deadlock", ER_LOCK_DEADLOCK, ErrorKind::retryable},
      {"lock wait timeout", ER_LOCK_WAIT_TIMEOUT, ErrorKind::retryable},
      {"statement timeout", ER_STATEMENT_TIMEOUT, ErrorKind::retryable},
      {"too many connections", ER_CON_COUNT_ERROR, ErrorKind::retryable},
      {"server shutting down", ER_SERVER_SHUTDOWN, ErrorKind::retryable},
      {"connection killed", ER_CONNECTION_KILLED, ErrorKind::retryable},
      {"access denied", ER_ACCESS_DENIED_ERROR, ErrorKind::permanent},
      {"database access denied", ER_DBACCESS_DENIED_ERROR, ErrorKind::permanent},
      {"unknown database", ER_BAD_DB_ERROR, ErrorKind::permanent},
      {"unknown table", ER_NO_SUCH_TABLE, ErrorKind::permanent},
      {"unknown column", ER_BAD_FIELD_ERROR, ErrorKind::permanent},
      {"syntax", ER_PARSE_ERROR, ErrorKind::permanent},
      {"commands out of sync (a bug)", CR_COMMANDS_OUT_OF_SYNC, ErrorKind::permanent},
  };
  for (const auto& c : cases) {
    SECTION(c.name) {
      CHECK(classify(c.number) == c.kind);
    }
  }
}

TEST_CASE("mysql values become COPY text fields that PostgreSQL reads back as the same value",
          "[mysql]") {
  struct Case {
    const char* name;
    int type;
    unsigned charsetnr;
    std::string value;
    unsigned long bits;
    std::string copy_text;  // as written into the block
    std::string decoded;    // what PostgreSQL's COPY reads
  };
  using namespace std::string_literals;
  const Case cases[] = {
      {"plain text", MYSQL_TYPE_VAR_STRING, 45, "hello", 0, "hello", "hello"},
      {"tab, newline, CR, backslash", MYSQL_TYPE_BLOB, 45, "a\tb\nc\rd\\e", 0, "a\\tb\\nc\\rd\\\\e",
       "a\tb\nc\rd\\e"},
      {"emoji (utf8mb4)", MYSQL_TYPE_VAR_STRING, 45, "ok \xF0\x9F\x98\x80", 0,
       "ok \xF0\x9F\x98\x80", "ok \xF0\x9F\x98\x80"},
      {"the text \\N is not NULL", MYSQL_TYPE_VAR_STRING, 45, "\\N", 0, "\\\\N", "\\N"},
      {"decimal keeps its digits", MYSQL_TYPE_NEWDECIMAL, 63, "12345678901234567890.123456789", 0,
       "12345678901234567890.123456789", "12345678901234567890.123456789"},
      {"datetime gets +00", MYSQL_TYPE_DATETIME, 63, "2024-03-10 08:00:00", 0,
       "2024-03-10 08:00:00+00", "2024-03-10 08:00:00+00"},
      {"timestamp with fraction", MYSQL_TYPE_TIMESTAMP, 63, "2024-03-10 08:59:59.999999", 0,
       "2024-03-10 08:59:59.999999+00", "2024-03-10 08:59:59.999999+00"},
      {"zero date stays as it is", MYSQL_TYPE_DATETIME, 63, "0000-00-00 00:00:00", 0,
       "0000-00-00 00:00:00", "0000-00-00 00:00:00"},
      {"date unchanged", MYSQL_TYPE_DATE, 63, "2024-03-10", 0, "2024-03-10", "2024-03-10"},
      {"varbinary as bytea hex", MYSQL_TYPE_VAR_STRING, 63, "\x00\x01\xff\t"s, 0, "\\\\x0001ff09",
       "\\x0001ff09"},
      {"blob as bytea hex", MYSQL_TYPE_BLOB, 63, "AB", 0, "\\\\x4142", "\\x4142"},
      {"empty binary", MYSQL_TYPE_BLOB, 63, "", 0, "\\\\x", "\\x"},
      {"bit(10)", MYSQL_TYPE_BIT, 63, "\x02\x05", 10, "1000000101", "1000000101"},
      {"bit(1)", MYSQL_TYPE_BIT, 63, "\x01", 1, "1", "1"},
  };
  for (const auto& c : cases) {
    SECTION(c.name) {
      std::string out;
      append_value(out, encoding_of(c.type, c.charsetnr), c.value, c.bits);
      CHECK(out == c.copy_text);
      std::string_view block = out += "\n";
      std::vector<sluice::adapters::Field> fields;
      sluice::adapters::copy_text::Decoder decoder;
      auto more = decoder.next(block, fields);
      REQUIRE(more);
      REQUIRE(*more);
      REQUIRE(fields.size() == 1);
      CHECK(fields[0] == std::optional<std::string_view>(c.decoded));
    }
  }
}

TEST_CASE("the window's SELECT binds the bounds and quotes identifiers", "[mysql]") {
  const std::string start = "CAST(@sluice_window_start AS DATETIME(6))";
  const std::string end = "CAST(@sluice_window_end AS DATETIME(6))";
  SECTION("table and time column") {
    CHECK(window_select({{}, std::nullopt, "shop.orders", "created_at"}) ==
          "SELECT * FROM `shop`.`orders` WHERE `created_at` >= " + start + " AND `created_at` < " +
              end);
  }
  SECTION("backticks in names are doubled") {
    CHECK(window_select({{}, std::nullopt, "we`ird", "t`s"}) ==
          "SELECT * FROM `we``ird` WHERE `t``s` >= " + start + " AND `t``s` < " + end);
  }
  SECTION("a query's placeholders become the bound variables") {
    CHECK(window_select({{},
                         "SELECT a FROM t WHERE ts >= {window_start} AND ts < {window_end}",
                         std::nullopt,
                         ""}) == "SELECT a FROM t WHERE ts >= " + start + " AND ts < " + end);
  }
  SECTION("a query with a time column is wrapped and filtered") {
    CHECK(window_select({{}, "SELECT a, ts FROM t", std::nullopt, "ts"}) ==
          "SELECT * FROM (SELECT a, ts FROM t) AS w WHERE w.`ts` >= " + start + " AND w.`ts` < " +
              end);
  }
}
