#include <cstdlib>
#include <optional>
#include <string>

#include <catch2/catch.hpp>

#include "framework/store/database.hpp"

using namespace sluice;
using store::parse_database_url;
using store::redact_secrets;

namespace {

// Sets an environment variable for one scope (libpq's defaults read PGHOST, PGPORT, ...).
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    value ? setenv(name, value, 1) : unsetenv(name);
  }
  ~ScopedEnv() { old_ ? setenv(name_, old_->c_str(), 1) : unsetenv(name_); }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

}  // namespace

TEST_CASE("a database URL is described by host, port, database and user only", "[store][url]") {
  struct Case {
    const char* name;
    const char* url;
    const char* described;
    bool has_password;
  };
  ScopedEnv port("PGPORT", "6543");
  ScopedEnv database("PGDATABASE", nullptr);  // deploy/lib/pg.sh exports one
  ScopedEnv service("PGSERVICE", nullptr);
  for (auto c : {
           Case{"full URL", "postgresql://sluice:s3cretpw@db.example:5433/orders",
                "host db.example, port 5433, database orders, user sluice", true},
           Case{"postgres:// scheme", "postgres://app@10.0.0.5:5432/app",
                "host 10.0.0.5, port 5432, database app, user app", false},
           Case{"key=value form", "host=db port=5555 dbname=x user=u password='p w'",
                "host db, port 5555, database x, user u", true},
           Case{"port from $PGPORT, database defaults to the user", "postgresql://u@db",
                "host db, port 6543, database u, user u", false},
           Case{"socket directory", "postgresql://u@%2Fvar%2Frun%2Fpostgresql/x",
                "host the local socket in /var/run/postgresql, port 6543, database x, user u",
                false},
       }) {
    INFO(c.name);
    auto target = parse_database_url(c.url);
    REQUIRE(target);
    CHECK(target->describe() == c.described);
    CHECK(target->has_password == c.has_password);
  }
}

TEST_CASE("a malformed database URL is refused without quoting its password", "[store][url]") {
  struct Case {
    const char* name;
    const char* url;
    const char* says;
  };
  for (auto c : {
           Case{"unclosed IPv6 bracket", "postgresql://bob:s3cretpw@[::1/db",
                "end of string reached when looking for matching \"]\""},
           Case{"bad percent escape in the password", "postgresql://bob:s3%zzcretpw@h/db",
                "is no %XX escape"},
           Case{"bad percent escape in the database", "postgresql://bob:s3cretpw@h/d%zzb",
                "invalid percent-encoded token"},
           Case{"unencoded '@' in the password", "postgresql://bob:s3cret@pw@h/db",
                "more than one '@'"},
           Case{"unencoded '/' in the password", "postgresql://bob:s3cret/pw@h/db",
                "an '@' after the host"},
           Case{"unknown query parameter", "postgresql://bob:s3cretpw@h/db?colour=blue",
                "invalid URI query parameter"},
           Case{"key=value with a spaced password", "host=h password = s3cret pw",
                "missing \"=\" after"},
           Case{"unknown keyword", "host=h passwd=s3cretpw", "invalid connection option"},
       }) {
    INFO(c.name);
    auto target = parse_database_url(c.url);
    REQUIRE_FALSE(target);
    CHECK(target.error().kind == ErrorKind::permanent);
    CHECK_THAT(target.error().message, Catch::Contains(c.says));
    CHECK_THAT(target.error().message, !Catch::Contains("s3cret") && !Catch::Contains("cretpw") &&
                                           !Catch::Contains("zzcret"));
  }
  CHECK_FALSE(parse_database_url(""));
}

TEST_CASE("redact_secrets removes passwords in every form libpq may quote", "[store][url]") {
  struct Case {
    const char* name;
    const char* text;
    const char* password;
    const char* redacted;
  };
  for (auto c : {
           Case{"URL", "at postgresql://bob:hunter2@h:5/db now", "",
                "at postgresql://bob:<redacted>@h:5/db now"},
           Case{"postgres:// URL, case-insensitive", "POSTGRES://bob:x@h", "",
                "POSTGRES://bob:<redacted>@h"},
           Case{"URL without password keeps its user", "postgresql://bob@h/db", "",
                "postgresql://bob@h/db"},
           Case{"key=value", "host=h password=hunter2 user=u", "",
                "host=h password=<redacted> user=u"},
           Case{"quoted key=value", "password = 'hun ter\\'2' user=u", "",
                "password = <redacted> user=u"},
           Case{"the known password anywhere", "failed for hunter2, hunter2!", "hunter2",
                "failed for <redacted>, <redacted>!"},
       }) {
    INFO(c.name);
    CHECK(redact_secrets(c.text, c.password) == c.redacted);
  }
}
