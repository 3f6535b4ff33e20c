// A secret pasted into a connection URL or libpq string stays one value whatever it holds,
// and the text around a connection never shows it.
#include <libpq-fe.h>

#include <catch2/catch.hpp>

#include "framework/adapters/mysql/connection.hpp"
#include "framework/schema/credentials.hpp"
#include "framework/schema/secret.hpp"

using namespace sluice;
using namespace sluice::config;

namespace {

// Passwords that break a URL or a libpq string when pasted raw.
const std::vector<std::string> kHostile = {
    "p%40ss",    "a@b",         "sl/ash", "what?now",
    "hash#tag",  "co:lon",      "sp ace", "caf\xC3\xA9-\xE2\x82\xAC",
    "it's",      "back\\slash", "%%",     "@@@/?#",
    "tab\there", "&=+;,",
};

std::string resolved(const std::string& written, const std::string& password,
                     Secrecy secrecy = Secrecy::url) {
  const auto env = Environment::fixed({{"PW", password}, {"HOST", "db.example.com"}});
  auto s = resolve_secret(written, secrecy, {&env, {}, true});
  REQUIRE(s);
  return s->reveal();
}

// libpq's reading of a connection string: keyword -> value.
std::map<std::string, std::string> libpq_parse(const std::string& text) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(text.c_str(), &error);
  std::map<std::string, std::string> out;
  if (error) {
    out["error"] = error;
    PQfreemem(error);
  }
  for (auto* o = options; o && o->keyword; ++o)
    if (o->val) out[o->keyword] = o->val;
  if (options) PQconninfoFree(options);
  return out;
}

}  // namespace

TEST_CASE("a secret in a URL's user information is percent-encoded", "[config][credentials]") {
  CHECK(resolved("postgresql://app:${env:PW}@db/app", "p%@/?#: \xC3\xBC") ==
        "postgresql://app:p%25%40%2F%3F%23%3A%20%C3%BC@db/app");
  for (const auto& pw : kHostile) {
    INFO(pw);
    for (const std::string written : {"postgresql://app:${env:PW}@${env:HOST}:5433/app",
                                      "postgres://app:${env:PW}@db.example.com/app?sslmode=disable",
                                      "postgresql://app@db.example.com/app?password=${env:PW}"}) {
      INFO(written);
      const auto url = resolved(written, pw);
      CHECK(url_userinfo_problem(url).empty());
      const auto parsed = libpq_parse(url);
      CHECK_FALSE(parsed.contains("error"));
      CHECK(parsed.at("password") == pw);
      CHECK(parsed.at("user") == "app");
      CHECK(parsed.at("host") == "db.example.com");
      CHECK(parsed.at("dbname") == "app");
    }
    const auto my = adapters::mysql::parse_url(resolved("mysql://app:${env:PW}@db:3307/app", pw));
    REQUIRE(my);
    CHECK(my->password == pw);
    CHECK(my->host == "db");
    CHECK(my->port == 3307);
    CHECK(my->database == "app");
  }
}

TEST_CASE("a secret in a libpq key=value string is escaped", "[config][credentials]") {
  for (const auto& pw : kHostile) {
    INFO(pw);
    for (const std::string written :
         {"host=db password=${env:PW} dbname=app", "host=db password='${env:PW}' dbname=app",
          "host=db password = ${env:PW}   dbname=app"}) {
      INFO(written);
      const auto parsed = libpq_parse(resolved(written, pw));
      CHECK_FALSE(parsed.contains("error"));
      CHECK(parsed.at("password") == pw);
      CHECK(parsed.at("dbname") == "app");
    }
  }
}

TEST_CASE("references outside a credential's place are pasted as they are",
          "[config][credentials]") {
  // A whole URL, a host, a whole query parameter, a fragment: their text is the structure.
  CHECK(resolved("${env:PW}", "postgresql://u:p@h/db") == "postgresql://u:p@h/db");
  CHECK(resolved("postgresql://u@${env:PW}/db", "h1:5432,h2") == "postgresql://u@h1:5432,h2/db");
  CHECK(resolved("https://api.example.com/v1?${env:PW}", "a=1&b=2") ==
        "https://api.example.com/v1?a=1&b=2");
  CHECK(resolved("${env:PW} dbname=app", "host=db port=5433") == "host=db port=5433 dbname=app");
  // A path keeps its slashes; anything else that would end it is encoded.
  CHECK(resolved("https://api.example.com/${env:PW}/x", "v1/t 1?") ==
        "https://api.example.com/v1/t%201%3F/x");
  // `$${` is no reference, and does not shift the slots of those after it.
  CHECK(resolved("postgresql://u:$${x}@h/db?password=${env:PW}", "a&b") ==
        "postgresql://u:${x}@h/db?password=a%26b");
  // Opaque secrets (a token, a webhook URL) are used as they are.
  CHECK(resolved("https://hooks.example.com/${env:PW}", "a/b?c", Secrecy::opaque) ==
        "https://hooks.example.com/a/b?c");
}

TEST_CASE("a URL whose user information is ambiguous is refused without quoting it",
          "[config][credentials]") {
  struct Case {
    const char* url;
    const char* says;
  };
  // Meant for database URLs: an `@` in the path is a password's, though an HTTP API might
  // have one there (which is why HTTP base URLs are not checked).
  for (auto c : {Case{"postgresql://app:p@ss-hunter2@db/app", "more than one '@'"},
                 Case{"https://api.example.com/users/@me-hunter2", "an '@' after the host"},
                 Case{"postgresql://app:pa/ss-hunter2@db/app", "an '@' after the host"},
                 Case{"mysql://app:pa?ss-hunter2@db/app", "an '@' after the host"},
                 Case{"http://default:pa#ss-hunter2@ch:8123", "an '@' after the host"},
                 Case{"postgresql://app:50%off-hunter2@db/app", "no %XX escape"},
                 Case{"postgresql://app:5%4-hunter2@db/app", "no %XX escape"},
                 Case{"postgresql://app:pass hunter2@db/app", "a space or control"},
                 Case{"postgresql://app:pass\x01hunter2@db/app", "a space or control"}}) {
    INFO(c.url);
    const auto problem = url_userinfo_problem(c.url);
    CHECK_THAT(problem, Catch::Contains(c.says));
    CHECK_THAT(problem, !Catch::Contains("hunter2"));
  }
  for (auto fine :
       {"postgresql://app:p%40ss@db/app", "postgresql://db/app", "postgresql://",
        "host=db password=p@ss", "postgresql://app@[::1]:5432/app?application_name=a:b"}) {
    INFO(fine);
    CHECK(url_userinfo_problem(fine).empty());
  }
}

TEST_CASE("credentials are masked in URLs however they were written", "[config][credentials]") {
  struct Case {
    const char* text;
    const char* shown;
  };
  for (auto c : {
           Case{"postgresql://u:pw@h/db", "postgresql://u:<redacted>@h/db"},
           // A raw `/`, `?` or `#` in the password: the last `@` still ends it.
           Case{"postgresql://u:pa/ss@h/db", "postgresql://u:<redacted>@h/db"},
           Case{"postgresql://u:pa?ss@h/db", "postgresql://u:<redacted>@h/db"},
           Case{"postgresql://u:p@ss@h/db", "postgresql://u:<redacted>@h/db"},
           Case{"postgresql://u:${env:PW}@h/db", "postgresql://u:${env:PW}@h/db"},
           Case{"https://h/x?token=t0k&page=2", "https://h/x?token=<redacted>&page=2"},
           Case{"host=h password='a b' user=u", "host=h password=<redacted> user=u"},
           Case{"https://api.example.com/users/@me", "https://api.example.com/users/@me"},
       }) {
    INFO(c.text);
    CHECK(redact_credentials(c.text) == c.shown);
  }
}

TEST_CASE("connection errors are scrubbed of every form of the password", "[config][credentials]") {
  const std::string url = "postgresql://app:p%40ss%2Fw0rd@db/app";
  for (const std::string message :
       {"invalid port \"p@ss/w0rd\"", "could not parse \"postgresql://app:p%40ss%2Fw0rd@db/app\"",
        "password p%40ss%2Fw0rd rejected", "conninfo host=db password='p@ss/w0rd'",
        "seen at https://x:p@ss/w0rd@h/"}) {
    INFO(message);
    const auto scrubbed = scrub_credentials(message, url);
    CHECK_THAT(scrubbed, !Catch::Contains("w0rd") && !Catch::Contains("p@ss"));
  }
  CHECK(scrub_credentials("bad: host=h password='x y' user=u") ==
        "bad: host=h password=<redacted> user=u");
  CHECK(scrub_secret("Access denied (using s3cr3t)", "s3cr3t") ==
        "Access denied (using <redacted>)");
  CHECK(scrub_credentials("nothing secret here", url) == "nothing secret here");
}

TEST_CASE("a quoted scalar is shown as config show shows it, and cut", "[config][credentials]") {
  CHECK(shown_scalar("info") == "info");
  CHECK(shown_scalar("postgresql://u:pw@h/db") == "postgresql://u:<redacted>@h/db");
  CHECK(shown_scalar("x=1 y=2") == "x=1 y=2");
  const std::string huge(100000, 'x');
  CHECK(shown_scalar(huge).size() < 250);
  CHECK_THAT(shown_scalar(huge), Catch::EndsWith("... (100000 bytes)"));
  // Not cut inside a UTF-8 sequence.
  const std::string accents = std::string(199, 'x') + "\xC3\xA9\xC3\xA9";
  CHECK_THAT(shown_scalar(accents), Catch::StartsWith(std::string(199, 'x') + "..."));
}
