#include <sstream>

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include "framework/schema/secret.hpp"
#include "tests/support/files.hpp"
#include "tests/support/paths.hpp"

using namespace sluice::config;
namespace test = sluice::test;

namespace {

struct Fixture {
  test::TempDir dir;
  Environment env;

  Fixture()
      : env(Environment::fixed({{"PGPASSWORD", "env-S3cret"},
                                {"EMPTY", ""},
                                {"CREDENTIALS_DIRECTORY", (dir.path() / "creds").string()}})) {
    test::write_file(dir.path() / "pw.txt", "file-S3cret\n");
    test::write_file(dir.path() / "crlf.txt", "crlf-S3cret\r\n");
    test::write_file(dir.path() / "creds" / "db_password", "cred-S3cret");
  }
  SecretContext ctx(bool resolve = true) const { return {&env, dir.path(), resolve}; }
};

}  // namespace

TEST_CASE("secret references resolve from env, file and credential", "[config][secret]") {
  Fixture f;
  struct Case {
    const char* name;
    std::string written;
    std::string value;
  };
  const std::string abs = (f.dir.path() / "pw.txt").string();
  for (const auto& c : {
           Case{"env", "${env:PGPASSWORD}", "env-S3cret"},
           Case{"env set but empty", "${env:EMPTY}", ""},
           Case{"relative file, newline stripped", "${file:pw.txt}", "file-S3cret"},
           Case{"absolute file", "${file:" + abs + "}", "file-S3cret"},
           Case{"CRLF stripped", "${file:crlf.txt}", "crlf-S3cret"},
           Case{"credential", "${credential:db_password}", "cred-S3cret"},
           Case{"inside a URL", "postgresql://app:${env:PGPASSWORD}@db/app",
                "postgresql://app:env-S3cret@db/app"},
           Case{"two references", "${env:PGPASSWORD}/${credential:db_password}",
                "env-S3cret/cred-S3cret"},
           Case{"escaped", "pw$${env:PGPASSWORD}", "pw${env:PGPASSWORD}"},
           Case{"literal", "plain-S3cret", "plain-S3cret"},
       }) {
    INFO(c.name);
    auto s = resolve_secret(c.written, Secrecy::opaque, f.ctx());
    REQUIRE(s);
    CHECK(s->is_resolved());
    CHECK(s->reveal() == c.value);
  }
}

TEST_CASE("secret resolution errors name the reference, never a value", "[config][secret]") {
  Fixture f;
  const Environment no_credentials = Environment::fixed({{"PGPASSWORD", "env-S3cret"}});
  struct Case {
    const char* name;
    std::string written;
    std::string error;
    const Environment* env;
  };
  for (const auto& c : {
           Case{"unset env", "${env:NOPE}", "${env:NOPE}: environment variable NOPE is not set",
                &f.env},
           Case{"bad env name", "${env:9x}", "${env:9x}: invalid environment variable name",
                &f.env},
           Case{"missing file", "${file:missing.txt}",
                "${file:missing.txt}: cannot read " + (f.dir.path() / "missing.txt").string() +
                    ": No such file or directory",
                &f.env},
           Case{"no credentials directory", "${credential:db_password}",
                "${credential:db_password}: $CREDENTIALS_DIRECTORY is not set (systemd sets it "
                "for LoadCredential=)",
                &no_credentials},
           Case{"credential name with a slash", "${credential:../pw.txt}",
                "${credential:../pw.txt}: invalid credential name (a file name, no '/')", &f.env},
           Case{"unknown kind", "${vault:x}",
                "${vault:x}: unknown reference kind 'vault' (use env, file or credential)", &f.env},
           Case{"no kind", "${PGPASSWORD}",
                "${PGPASSWORD}: expected ${env:NAME}, ${file:PATH} or ${credential:NAME}", &f.env},
           Case{"unterminated", "env-S3cret${env:X",
                "unterminated '${' at character 11 (write $${ for a literal ${)", &f.env},
       }) {
    INFO(c.name);
    SecretContext ctx{c.env, f.dir.path(), true};
    auto s = resolve_secret(c.written, Secrecy::opaque, ctx);
    REQUIRE_FALSE(s);
    CHECK(s.error() == c.error);
    CHECK(s.error().find("S3cret") == std::string::npos);
  }
}

TEST_CASE("a secret file larger than 64 KiB is refused", "[config][secret]") {
  Fixture f;
  test::write_file(f.dir.path() / "big", std::string(64 * 1024 + 1, 'x'));
  auto s = resolve_secret("${file:big}", Secrecy::opaque, f.ctx());
  REQUIRE_FALSE(s);
  CHECK(s.error().find("larger than 64 KiB") != std::string::npos);
}

TEST_CASE("without resolving, references are checked but nothing is read", "[config][secret]") {
  Fixture f;
  auto ok = resolve_secret("${env:NOPE}", Secrecy::opaque, f.ctx(false));
  REQUIRE(ok);
  CHECK_FALSE(ok->is_resolved());
  CHECK(ok->reveal().empty());
  CHECK(ok->redacted() == "${env:NOPE}");
  CHECK_FALSE(resolve_secret("${vault:x}", Secrecy::opaque, f.ctx(false)));
}

TEST_CASE("a secret prints its reference or a mask, never its value", "[config][secret]") {
  Fixture f;
  const std::string file_ref = "${file:" + (f.dir.path() / "pw.txt").string() + "}";
  struct Case {
    const char* name;
    std::string written;
    Secrecy secrecy;
    std::string shown;
  };
  for (const auto& c : {
           Case{"lone reference", "${env:PGPASSWORD}", Secrecy::opaque, "${env:PGPASSWORD}"},
           Case{"literal", "plain-S3cret", Secrecy::opaque, "<redacted>"},
           Case{"prefix and reference", "Bearer ${env:PGPASSWORD}", Secrecy::opaque, "<redacted>"},
           Case{"url, literal password", "postgresql://app:plain-S3cret@db:5432/app", Secrecy::url,
                "postgresql://app:<redacted>@db:5432/app"},
           Case{"url, password reference", "postgresql://app:${env:PGPASSWORD}@db/app",
                Secrecy::url, "postgresql://app:${env:PGPASSWORD}@db/app"},
           Case{"url, file reference with slashes", "postgresql://app:" + file_ref + "@db/app",
                Secrecy::url, "postgresql://app:" + file_ref + "@db/app"},
           Case{"url without password", "postgresql://app@db/app?sslmode=require", Secrecy::url,
                "postgresql://app@db/app?sslmode=require"},
           Case{"url, password parameter", "postgresql:///app?host=/tmp&password=plain-S3cret",
                Secrecy::url, "postgresql:///app?host=/tmp&password=<redacted>"},
           Case{"url, token parameter", "https://api.example.com/v1?token=plain-S3cret#top",
                Secrecy::url, "https://api.example.com/v1?token=<redacted>#top"},
           Case{"libpq string", "host=db password='plain S3cret' dbname=app", Secrecy::url,
                "host=db password=<redacted> dbname=app"},
           Case{"url secrecy, not a url", "plain-S3cret", Secrecy::url, "<redacted>"},
       }) {
    INFO(c.name);
    auto s = resolve_secret(c.written, c.secrecy, f.ctx());
    REQUIRE(s);
    CHECK(s->redacted() == c.shown);
    std::ostringstream streamed;
    streamed << *s;
    CHECK(streamed.str() == c.shown);
    CHECK(fmt::format("{}", *s) == c.shown);
    for (const auto& printed : {s->redacted(), streamed.str(), fmt::format("{:>80}", *s)}) {
      CHECK(printed.find("S3cret") == std::string::npos);
    }
  }
}

TEST_CASE("secret references are recognised only in their three forms", "[config][secret]") {
  CHECK(has_secret_reference("x${env:A}"));
  CHECK(has_secret_reference("${file:/a}"));
  CHECK(has_secret_reference("${credential:a}"));
  CHECK_FALSE(has_secret_reference("{window_start}"));
  CHECK_FALSE(has_secret_reference("${HOME}"));
}
