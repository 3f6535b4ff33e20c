#include <catch2/catch.hpp>

#include "framework/config/database_url.hpp"

using namespace sluice::config;

TEST_CASE("database URL: flag over environment over file", "[config][database_url]") {
  DatabaseConfig file;
  file.url = Secret::resolved("postgresql://file:${env:PW}@db/file", "postgresql://file:f@db/file",
                              Secrecy::url);
  file.where = {"/etc/sluice/sluice.yaml", 3, 3};
  const auto with_env = Environment::fixed({{"SLUICE_DATABASE_URL", "postgresql://env:e@db/env"}});
  const auto without_env = Environment::fixed({});
  struct Case {
    const char* name;
    std::string flag;
    const Environment* env;
    const DatabaseConfig* file;
    std::string url;
    std::string origin;
  };
  for (const auto& c : {
           Case{"flag wins", "postgresql://flag:x@db/flag", &with_env, &file,
                "postgresql://flag:x@db/flag", "--database-url"},
           Case{"environment over file", "", &with_env, &file, "postgresql://env:e@db/env",
                "$SLUICE_DATABASE_URL"},
           Case{"file last", "", &without_env, &file, "postgresql://file:f@db/file",
                "/etc/sluice/sluice.yaml:3:3"},
           Case{"no file loaded", "", &with_env, nullptr, "postgresql://env:e@db/env",
                "$SLUICE_DATABASE_URL"},
       }) {
    INFO(c.name);
    auto url = resolve_database_url(c.flag, c.file, *c.env);
    REQUIRE(url);
    CHECK(url->url.reveal() == c.url);
    CHECK(url->origin == c.origin);
  }
}

TEST_CASE("database URL: a clear error when nobody gives one", "[config][database_url]") {
  const auto env = Environment::fixed({{"SLUICE_DATABASE_URL", ""}});
  DatabaseConfig file;  // no database section
  auto url = resolve_database_url("", &file, env);
  REQUIRE_FALSE(url);
  CHECK(url.error() ==
        "no database URL: pass --database-url, or set SLUICE_DATABASE_URL, or set "
        "database.url in the daemon file");
}

TEST_CASE("database URL: shown with its password masked, whatever its origin",
          "[config][database_url]") {
  const auto env = Environment::fixed({{"SLUICE_DATABASE_URL", "postgresql://u:envS3cret@db/x"}});
  auto from_env = resolve_database_url("", nullptr, env);
  REQUIRE(from_env);
  CHECK(from_env->url.redacted() == "postgresql://u:<redacted>@db/x");
  auto from_flag = resolve_database_url("host=db password=flagS3cret", nullptr, env);
  REQUIRE(from_flag);
  CHECK(from_flag->url.redacted() == "host=db password=<redacted>");
}
