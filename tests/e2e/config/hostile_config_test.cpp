// Hostile configs through the real binaries: a URL with its password where a mapping belongs,
// text that is not UTF-8, duplicate keys; `validate` (text and JSON), `connections test`, and
// sluiced at start and on reload. No password reaches any output; every error has its place.
#include <signal.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/e2e/daemon/harness.hpp"
#include "tests/support/files.hpp"
#include "tests/support/paths.hpp"
#include "tests/support/process.hpp"
#include "tests/support/test_database.hpp"

namespace fs = std::filesystem;
using namespace sluice;
using namespace std::chrono_literals;

namespace {

const fs::path kBroken = test::data_dir() / "config" / "broken";

test::ProcessResult sluicectl(const std::vector<std::string>& args, test::EnvChanges env = {}) {
  for (const char* name : {"SLUICE_CONFIG", "SLUICE_DATABASE_URL", "CREDENTIALS_DIRECTORY"}) {
    env.emplace(name, std::nullopt);
  }
  std::vector<std::string> argv = {(test::binary_dir() / "daemon" / "sluicectl").string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return test::run_process(argv, env);
}

void check_no_password(const std::string& text) {
  INFO(text);
  CHECK(text.find("hunter2") == std::string::npos);
}

}  // namespace

TEST_CASE("validate masks a URL's password wherever a diagnostic quotes it", "[e2e][config]") {
  const auto config = (kBroken / "url_where_a_mapping_is_expected" / "sluice.yaml").string();
  const auto text = sluicectl({"validate", "-c", config});
  CHECK(text.exit_code == 1);
  check_no_password(text.err);
  CHECK_THAT(text.err,
             Catch::Contains(config + ":1:11: database: expected a mapping, got "
                                      "'postgresql://app:<redacted>@db.example.com/sluice'"));
  const auto json = sluicectl({"-o", "json", "validate", "-c", config});
  CHECK(json.exit_code == 1);
  check_no_password(json.out);
  const auto parsed = nlohmann::json::parse(json.out);
  CHECK(parsed["valid"] == false);
  CHECK(parsed["errors"].size() >= 6);
}

TEST_CASE("validate -o json prints JSON for text and paths that are not UTF-8", "[e2e][config]") {
  test::TempDir dir;
  // A directory named in Latin-1, a pipeline file with a Latin-1 byte on line 3.
  const fs::path latin1 = dir.path() / "caf\xE9";
  test::write_file(latin1 / "sluice.yaml", "connections: {}\n");
  test::write_file(latin1 / "pipelines.d" / "p.yaml", "id: p\n# fine\nnote: \"na\xEFve\"\n");
  const auto r = sluicectl({"-o", "json", "validate", "-c", (latin1 / "sluice.yaml").string()});
  CHECK(r.exit_code == 1);
  INFO(r.err);
  const auto parsed = nlohmann::json::parse(r.out);  // throws on invalid JSON
  REQUIRE(parsed["errors"].size() == 1);
  const auto& e = parsed["errors"][0];
  CHECK(e["line"] == 3);
  CHECK(e["column"] == 10);
  CHECK_THAT(e["message"].get<std::string>(), Catch::StartsWith("not valid UTF-8: byte 0xEF"));
  // The path's bad byte is replaced (U+FFFD), the rest of it kept.
  CHECK_THAT(e["file"].get<std::string>(), Catch::EndsWith("caf\xEF\xBF\xBD/pipelines.d/p.yaml"));
  CHECK_THAT(parsed["file"].get<std::string>(), Catch::EndsWith("caf\xEF\xBF\xBD/sluice.yaml"));

  const auto text = sluicectl({"validate", "-c", (latin1 / "sluice.yaml").string()});
  CHECK(text.exit_code == 1);
  CHECK_THAT(text.err, Catch::Contains("p.yaml:3:10: not valid UTF-8: byte 0xEF"));
}

TEST_CASE("validate reports duplicate keys in every mapping with both places", "[e2e][config]") {
  const fs::path dir = kBroken / "duplicate_keys_in_every_mapping";
  const auto r = sluicectl({"validate", "-c", (dir / "sluice.yaml").string()});
  CHECK(r.exit_code == 1);
  const std::string pipeline = (dir / "pipelines.d" / "events.yaml").string();
  CHECK_THAT(r.err, Catch::Contains(pipeline +
                                    ":21:3: business_fields.day: duplicate key 'day' "
                                    "(first at " +
                                    pipeline + ":20:3)"));
}

TEST_CASE("connections test logs in with a hostile password and never prints it",
          "[e2e][config][secrets]") {
  test::TestDatabase db;
  auto admin = db.connect();
  const auto target = store::parse_database_url(db.url());
  REQUIRE(target);
  const std::string role = db.name() + "_ctl";
  const std::string password = "hunter2%@/?#: \xC3\xBC";
  test::run_sql(*admin, "CREATE ROLE " + role + " LOGIN PASSWORD " + admin->quote(password));
  test::TempDir dir;
  const std::string at = "@" + target->host + ":";
  test::write_file(dir.path() / "sluice.yaml",
                   "connections:\n"
                   "  pg:\n    kind: postgres\n    url: postgresql://" +
                       role + ":${env:PW}" + at + target->port + "/" + db.name() + "\n" +
                       "  down:\n    kind: postgres\n    url: postgresql://" + role + ":${env:PW}" +
                       at + "1/" + db.name() + "\n");
  const test::EnvChanges env = {{"PW", password}};
  const auto text =
      sluicectl({"-c", (dir.path() / "sluice.yaml").string(), "connections", "test"}, env);
  CHECK(text.exit_code == 1);  // `down` failed
  check_no_password(text.out + text.err);
  CHECK_THAT(text.out, Catch::Contains("user " + role));
  const auto json = sluicectl(
      {"-o", "json", "-c", (dir.path() / "sluice.yaml").string(), "connections", "test"}, env);
  check_no_password(json.out + json.err);
  const auto list = nlohmann::json::parse(json.out);
  REQUIRE(list.size() == 2);
  CHECK(list[0]["state"] == "ok");
  CHECK(list[1]["state"] == "failed");
  CHECK(list[1]["error_kind"] == "retryable");
}

TEST_CASE("sluiced masks a URL's password in config errors at start, in quarantine and on reload",
          "[e2e][daemon][secrets]") {
  test::TestDatabase db;
  auto c = test::prepared(db,
                          "CREATE TABLE src (id int, event_time timestamptz, note text);"
                          "CREATE TABLE dst (LIKE src)");
  test::TempDir dir;
  test::write_daemon_file(dir.path(), {});
  const auto daemon_file = dir.path() / "sluice.yaml";
  const auto good = test::read_file(daemon_file);
  // The daemon file broken: the start is refused.
  test::write_file(daemon_file, good + "retention: postgresql://app:hunter2-daemon@db/app\n");
  {
    test::DaemonProcess refused(dir.path(), db.url());
    const auto r = refused.wait();
    CHECK(r.exit_code == 1);
    const std::string output = r.out + r.err + refused.log();
    check_no_password(output);
    CHECK_THAT(output, Catch::Contains("retention: expected a mapping, got "
                                       "'postgresql://app:<redacted>@db/app'"));
  }
  // A pipeline file broken: quarantined, its error logged masked; the others start.
  test::write_file(daemon_file, good);
  const auto bad = dir.path() / "pipelines.d" / "bad.yaml";
  test::write_file(bad, "id: bad\nsource: postgresql://app:hunter2-start@db/app\n");
  test::write_pipeline(dir.path(), "a", "src", "dst", "2024-01-01", "2024-01-02");
  test::DaemonProcess daemon(dir.path(), db.url());
  // Running: its first window of `a` was claimed (signals before then may find no handler).
  REQUIRE(test::eventually(
      [&] {
        return test::run_sql(*c, "SELECT count(*) FROM pipeline_records")[0][0].as<int>() > 0;
      },
      30s));
  CHECK(daemon.log_contains(bad.string() + ":2:9: source: expected a mapping, got "
                                           "'postgresql://app:<redacted>@db/app'"));
  test::write_file(bad,
                   "id: bad\ntarget: mysql://root:hunter2-reload@db/x\n"
                   "business_fields:\n  a: \"x\"\n  a: \"y\"\n");
  daemon.signal(SIGHUP);
  INFO(daemon.log());
  CHECK(test::eventually([&] { return daemon.log_contains("config reloaded"); }, 10s));
  // The quarantine is logged after "config reloaded" (on_quarantined follows the swap).
  CHECK(test::eventually(
      [&] {
        return daemon.log_contains(
            "target: expected a mapping, got 'mysql://root:<redacted>@db/x'");
      },
      10s));
  CHECK(daemon.log_contains("business_fields.a: duplicate key 'a' (first at " + bad.string() +
                            ":4:3)"));
  check_no_password(daemon.log());
  CHECK(::kill(daemon.pid(), 0) == 0);
}
