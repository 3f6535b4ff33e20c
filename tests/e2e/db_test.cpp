// `sluicectl db migrate` and `db status`, the built binary against a real PostgreSQL.
#include <filesystem>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "framework/store/migrations.hpp"
#include "tests/support/paths.hpp"
#include "tests/support/process.hpp"
#include "tests/support/test_database.hpp"

using namespace sluice;
using test::run_process;
using test::TestDatabase;

namespace {

std::string sluicectl() {
  return (test::binary_dir() / "daemon" / "sluicectl").string();
}

test::ProcessResult ctl(std::vector<std::string> args, const test::EnvChanges& env = {}) {
  args.insert(args.begin(), sluicectl());
  return run_process(args, env);
}

std::size_t occurrences(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

const std::size_t kMigrations = store::embedded_migrations().size();

}  // namespace

TEST_CASE("sluicectl db migrate applies the schema once and db status shows it", "[e2e][db]") {
  TestDatabase db;
  const std::string n = std::to_string(kMigrations);

  auto before = ctl({"db", "status"}, {{"SLUICE_DATABASE_URL", db.url()}});
  CHECK(before.exit_code == 1);
  CHECK(occurrences(before.out, " pending ") == kMigrations);
  CHECK_THAT(before.out, Catch::Contains("database schema is at version 0, this sluicectl needs " +
                                         n + ": run `sluicectl db migrate`"));

  auto first = ctl({"--database-url", db.url(), "db", "migrate"});
  INFO(first.err);
  CHECK(first.exit_code == 0);
  CHECK(occurrences(first.out, "applied 0") == kMigrations);
  CHECK_THAT(first.out, Catch::StartsWith("applied 0001_pipeline_records (") &&
                            Catch::EndsWith("database schema is now at version " + n + " (was 0; " +
                                            n + " applied)\n"));

  auto again = ctl({"--database-url", db.url(), "db", "migrate"});
  CHECK(again.exit_code == 0);
  CHECK(again.out == "database schema is up to date at version " + n + ": nothing to apply\n");

  auto status = ctl({"--database-url", db.url(), "db", "status"});
  CHECK(status.exit_code == 0);
  CHECK(occurrences(status.out, " applied ") == kMigrations);
  CHECK_THAT(status.out, Catch::Contains("database: host ") &&
                             Catch::Contains("database " + db.name()) &&
                             Catch::Contains("schema:   version " + n + ", this sluicectl knows " +
                                             n + " (0 pending)"));

  auto json = ctl({"--database-url", db.url(), "-o", "json", "db", "status"});
  CHECK(json.exit_code == 0);
  const auto parsed = nlohmann::json::parse(json.out);
  CHECK(parsed["up_to_date"] == true);
  CHECK(parsed["current_version"] == kMigrations);
  CHECK(parsed["migrations"].size() == kMigrations);
  CHECK(parsed["migrations"][0]["name"] == "pipeline_records");
  CHECK(parsed["migrations"][0]["state"] == "applied");
  CHECK_THAT(parsed["migrations"][0]["applied_by"].get<std::string>(),
             Catch::Contains("(sluicectl "));
}

TEST_CASE("two sluicectl db migrate at once end with one applied set", "[e2e][db]") {
  TestDatabase db;
  std::vector<test::ProcessResult> results;
  {
    test::Process a({sluicectl(), "--database-url", db.url(), "db", "migrate"});
    test::Process b({sluicectl(), "--database-url", db.url(), "db", "migrate"});
    results.push_back(a.wait());
    results.push_back(b.wait());
  }
  std::size_t applied = 0;
  for (const auto& r : results) {
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    applied += occurrences(r.out, "applied 0");
  }
  CHECK(applied == kMigrations);
  auto c = db.connect();
  CHECK(test::run_sql(*c, "SELECT count(*) FROM schema_migrations")[0][0].as<std::size_t>() ==
        kMigrations);
}

TEST_CASE("sluicectl db refuses an edited migration, naming it", "[e2e][db]") {
  TestDatabase db;
  db.migrate();
  auto c = db.connect();
  test::run_sql(*c, "UPDATE schema_migrations SET checksum = 'x' WHERE version = 1");
  for (const char* command : {"migrate", "status"}) {
    INFO(command);
    auto r = ctl({"--database-url", db.url(), "db", command});
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.out + r.err,
               Catch::Contains("migration 0001_pipeline_records was edited after it was applied"));
  }
}

TEST_CASE("sluicectl db with a bad database URL says what is wrong, never the password",
          "[e2e][db]") {
  struct Case {
    const char* name;
    std::vector<std::string> args;
    test::EnvChanges env;
    int exit_code;
    const char* says;
  };
  const std::string refused = "postgresql://sluice:s3cretpw@127.0.0.1:1/orders";
  for (const auto& c : std::vector<Case>{
           {"nothing listens (flag)",
            {"--database-url", refused, "db", "migrate"},
            {},
            1,
            "sluicectl: cannot connect to PostgreSQL (host 127.0.0.1, port 1, database orders, "
            "user sluice): connection to server at \"127.0.0.1\", port 1 failed: Connection "
            "refused"},
           {"nothing listens (environment)",
            {"db", "status"},
            {{"SLUICE_DATABASE_URL", refused}},
            1,
            "(host 127.0.0.1, port 1, database orders, user sluice)"},
           {"malformed URL",
            {"--database-url", "postgresql://sluice:s3cretpw@[::1/orders", "db", "status"},
            {},
            2,
            "sluicectl: the database URL is not a valid PostgreSQL connection string: "},
           {"unknown URL parameter",
            {"--database-url", "postgresql://sluice:s3cretpw@h/db?sslmod=require", "db", "migrate"},
            {},
            2,
            "invalid URI query parameter"},
           {"no URL at all",
            {"db", "migrate"},
            {{"SLUICE_DATABASE_URL", std::nullopt}},
            2,
            "sluicectl: no database URL: pass --database-url, or set SLUICE_DATABASE_URL"},
           {"no subcommand", {"db"}, {}, 2, "A subcommand is required"},
       }) {
    INFO(c.name);
    auto r = ctl(c.args, c.env);
    INFO(r.out << r.err);
    CHECK(r.exit_code == c.exit_code);
    CHECK_THAT(r.out + r.err,
               Catch::Contains(c.says) && !Catch::Contains("s3cret") && !Catch::Contains("cretpw"));
  }
}

TEST_CASE("a classified error keeps its kind to the CLI's edge: -o json prints it on stderr",
          "[e2e][db]") {
  const std::string refused = "postgresql://sluice:s3cretpw@127.0.0.1:1/orders";
  const auto json = ctl({"-o", "json", "--database-url", refused, "db", "status"});
  CHECK(json.exit_code == 1);  // as in text mode
  CHECK(json.out.empty());
  const auto e = nlohmann::json::parse(json.err)["error"];
  CHECK(e["kind"] == "retryable");
  CHECK(e["database_unreachable"] == true);
  CHECK_THAT(e["message"].get<std::string>(),
             Catch::StartsWith("cannot connect to PostgreSQL (host 127.0.0.1, port 1") &&
                 !Catch::Contains("s3cretpw"));
  const auto text = ctl({"--database-url", refused, "db", "status"});
  CHECK(text.exit_code == 1);
  CHECK_THAT(text.err, Catch::StartsWith("sluicectl: cannot connect to PostgreSQL"));
}

TEST_CASE("every example operator query in sql/queries runs on a migrated database", "[e2e][db]") {
  TestDatabase db;
  db.migrate();
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(
           std::filesystem::path(SLUICE_SOURCE_DIR) / "sql" / "queries")) {
    if (entry.path().extension() != ".sql") continue;
    ++files;
    INFO(entry.path().filename().string());
    auto r = run_process({"/usr/bin/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db.url(),
                          "-f", entry.path().string()});
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
  }
  CHECK(files >= 5);
}

TEST_CASE("sluicectl db status exits 1 naming the columns, types and functions changed by hand",
          "[e2e][db]") {
  TestDatabase db;
  db.migrate();
  auto c = db.connect();
  test::run_sql(*c,
                "ALTER TABLE pipeline_records DROP COLUMN locked_by CASCADE;"
                "ALTER TABLE backfill_requests ALTER COLUMN windows_done TYPE bigint;"
                "DROP FUNCTION sluice_touch_record() CASCADE");
  const std::vector<std::string> named{"backfill_requests.windows_done: bigint, expected integer",
                                       "pipeline_records.locked_by: missing",
                                       "function sluice_touch_record(): missing",
                                       "trigger pipeline_records.pipeline_records_touch: missing"};

  auto status = ctl({"--database-url", db.url(), "db", "status"});
  INFO(status.out << status.err);
  CHECK(status.exit_code == 1);
  CHECK_THAT(status.out,
             Catch::Contains("database schema is at version " + std::to_string(kMigrations) +
                             " but differs from what this sluicectl uses"));
  for (const auto& n : named) CHECK_THAT(status.out, Catch::Contains(n));

  auto json = ctl({"--database-url", db.url(), "-o", "json", "db", "status"});
  CHECK(json.exit_code == 1);
  const auto parsed = nlohmann::json::parse(json.out);
  CHECK(parsed["up_to_date"] == false);
  CHECK(parsed["differences"] == named);

  // Put back, the schema is current again.
  test::run_sql(*c,
                "ALTER TABLE pipeline_records ADD COLUMN locked_by text;"
                "ALTER TABLE backfill_requests ALTER COLUMN windows_done TYPE integer");
  auto still = ctl({"--database-url", db.url(), "db", "status"});
  CHECK(still.exit_code == 1);
  CHECK_THAT(still.out, !Catch::Contains("locked_by") &&
                            Catch::Contains("function sluice_touch_record(): missing"));
}
