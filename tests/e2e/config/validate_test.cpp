// `sluicectl validate` and `sluicectl config show|keys`, run as an operator (or their CI) runs
// them: the real binary, its exit codes and what it prints.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/support/config_samples.hpp"
#include "tests/support/files.hpp"
#include "tests/support/paths.hpp"
#include "tests/support/process.hpp"

namespace fs = std::filesystem;
using namespace sluice;

namespace {

const fs::path kExamples = fs::path(SLUICE_SOURCE_DIR) / "config" / "examples";
const fs::path kBroken = test::data_dir() / "config" / "broken";

test::ProcessResult sluicectl(const std::vector<std::string>& args,
                              std::map<std::string, std::optional<std::string>> env = {}) {
  // Nothing from the caller's environment leaks into what is checked.
  for (const char* name : {"SLUICE_CONFIG", "SLUICE_DATABASE_URL", "CREDENTIALS_DIRECTORY"}) {
    env.emplace(name, std::nullopt);
  }
  std::vector<std::string> argv = {(test::binary_dir() / "daemon" / "sluicectl").string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return test::run_process(argv, env);
}

}  // namespace

TEST_CASE("validate: exit 0 and a summary for a valid config", "[e2e][config]") {
  const auto r = sluicectl({"validate", "--config", (kExamples / "quickstart.yaml").string()},
                           {{"SLUICE_DATABASE_URL", "postgresql:///sluice"},
                            {"SLUICE_QUICKSTART_TOKEN", "quickstart-token-0123456789"}});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "valid: " + (kExamples / "quickstart.yaml").string() +
                     ": 1 connection(s), 2 pipeline(s)\n");
  CHECK(r.err.empty());
}

TEST_CASE("validate: --skip-secrets checks a config whose secrets are absent", "[e2e][config]") {
  const auto config = (kExamples / "sluice.yaml").string();
  const auto strict = sluicectl({"-c", config, "validate"});
  CHECK(strict.exit_code == 1);
  CHECK(strict.err.find("environment variable WAREHOUSE_PASSWORD is not set") != std::string::npos);
  const auto lenient = sluicectl({"-c", config, "validate", "--skip-secrets"});
  CHECK(lenient.exit_code == 0);
  CHECK(lenient.out ==
        "valid: " + config + ": 6 connection(s), 11 pipeline(s) (secrets not read)\n");
}

TEST_CASE("validate: exit 1 with every error on stderr", "[e2e][config]") {
  const fs::path dir = kBroken / "many_errors_in_two_files";
  const auto r = sluicectl({"validate", "--config", (dir / "sluice.yaml").string()});
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  std::string expected;
  const std::string listed = test::read_file(dir / "expected.txt");
  for (std::size_t start = 0; start < listed.size();) {
    const auto end = listed.find('\n', start);
    expected += dir.string() + "/" + listed.substr(start, end - start) + "\n";
    start = end + 1;
  }
  // expected.txt names files relative to the case; the binary names them as it found them.
  std::string err = r.err;
  CHECK(err == expected + (dir / "sluice.yaml").string() + ": 5 errors\n");
}

TEST_CASE("validate -o json: the diagnostics as data", "[e2e][config]") {
  const fs::path dir = kBroken / "pipeline_duplicate_id";
  const auto r = sluicectl({"-o", "json", "validate", "--config", (dir / "sluice.yaml").string()});
  CHECK(r.exit_code == 1);
  const auto json = nlohmann::json::parse(r.out);
  CHECK(json["valid"] == false);
  REQUIRE(json["errors"].size() == 1);
  const auto& e = json["errors"][0];
  CHECK(e["file"] == (dir / "pipelines.d" / "more_events.yaml").string());
  CHECK(e["line"] == 1);
  CHECK(e["column"] == 5);
  CHECK(e["path"] == "id");
  CHECK(e["message"].get<std::string>().rfind("duplicate pipeline id 'events'", 0) == 0);

  const auto ok =
      sluicectl({"-o", "json", "-c", (kExamples / "quickstart.yaml").string(), "validate"},
                {{"SLUICE_DATABASE_URL", "postgresql:///sluice"},
                 {"SLUICE_QUICKSTART_TOKEN", "quickstart-token-0123456789"}});
  CHECK(ok.exit_code == 0);
  const auto valid = nlohmann::json::parse(ok.out);
  CHECK(valid["valid"] == true);
  CHECK(valid["pipelines"] == nlohmann::json::array({"demo_daily", "demo_events"}));
  CHECK(valid["errors"].empty());
}

TEST_CASE("validate: a missing file is an invalid config, a bad argument is exit 2",
          "[e2e][config]") {
  const auto missing = sluicectl({"validate", "--config", "/nonexistent/sluice.yaml"});
  CHECK(missing.exit_code == 1);
  CHECK(missing.err ==
        "/nonexistent/sluice.yaml: cannot read: No such file or directory\n"
        "/nonexistent/sluice.yaml: 1 error\n");
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"validate", "--bogus"}, {"-o", "yaml", "validate"}, {"config"}, {"config", "hide"}}) {
    INFO(args.back());
    CHECK(sluicectl(args).exit_code == 2);
  }
}

TEST_CASE("config show: the effective config, secrets redacted", "[e2e][config]") {
  test::TempDir dir;
  test::write_file(dir.path() / "sluice.yaml", test::kDaemonWithSecrets);
  const std::map<std::string, std::optional<std::string>> env = {{"DB_PASSWORD", "envVALUE-1"}};
  const auto config = (dir.path() / "sluice.yaml").string();
  const auto yaml = sluicectl(
      {"-c", config, "--database-url", "postgresql://u:flagVALUE-7@db/x", "config", "show"}, env);
  const auto json = sluicectl({"-o", "json", "-c", config, "config", "show"}, env);
  REQUIRE(yaml.exit_code == 0);
  REQUIRE(json.exit_code == 0);
  for (const auto* text : {&yaml.out, &yaml.err, &json.out, &json.err}) {
    for (const char* value : {"envVALUE-1", "inlineVALUE-4", "flagVALUE-7"}) {
      INFO(value);
      CHECK(text->find(value) == std::string::npos);
    }
  }
  CHECK(yaml.out.find("  value: postgresql://u:<redacted>@db/x\n  from: --database-url\n") !=
        std::string::npos);
  CHECK(yaml.out.find("    password: ${env:DB_PASSWORD}\n") != std::string::npos);
  CHECK(yaml.out.find("      url: postgresql://loader:<redacted>@warehouse/dw\n") !=
        std::string::npos);
  // Defaults are filled in.
  CHECK(yaml.out.find("  workers: 4\n") != std::string::npos);
  const auto shown = nlohmann::json::parse(json.out);
  CHECK(shown["database_url"]["from"] == config + ":1:1");
  CHECK(shown["daemon"]["stale_threshold"] == "2h");
  CHECK(shown["daemon"]["connections"]["pg"]["connect_timeout"] == "10s");
  CHECK(shown["pipelines"].empty());

  auto from_env = env;
  from_env["SLUICE_DATABASE_URL"] = "postgresql://e:envURL-8@db/x";
  const auto env_json = sluicectl({"-o", "json", "-c", config, "config", "show"}, from_env);
  REQUIRE(env_json.exit_code == 0);
  CHECK(env_json.out.find("envURL-8") == std::string::npos);
  const auto env_shown = nlohmann::json::parse(env_json.out);
  CHECK(env_shown["database_url"]["from"] == "$SLUICE_DATABASE_URL");
  CHECK(env_shown["database_url"]["value"] == "postgresql://e:<redacted>@db/x");
}

TEST_CASE("config keys: the Markdown reference", "[e2e][config]") {
  const auto r = sluicectl({"config", "keys"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("# Configuration keys\n", 0) == 0);
  CHECK(r.out.find("### `clickhouse`") != std::string::npos);
}

TEST_CASE("sluicectl db takes the database URL from the daemon file last", "[e2e][config]") {
  test::TempDir dir;
  const auto config = (dir.path() / "sluice.yaml").string();
  test::write_file(config, "database:\n  url: postgresql://sluice:s3cretpw@127.0.0.1:1/orders\n");
  const auto from_file = sluicectl({"-c", config, "db", "status"});
  CHECK(from_file.exit_code == 1);
  CHECK(from_file.err.find("(host 127.0.0.1, port 1, database orders, user sluice)") !=
        std::string::npos);
  // The environment wins over the file.
  const auto from_env = sluicectl({"-c", config, "db", "status"},
                                  {{"SLUICE_DATABASE_URL", "postgresql://other@127.0.0.1:1/env"}});
  CHECK(from_env.err.find("(host 127.0.0.1, port 1, database env, user other)") !=
        std::string::npos);
  // A broken daemon file is bad input, named with its place.
  test::write_file(config,
                   "database:\n  url: postgresql://sluice:s3cretpw@127.0.0.1:1/x\n  hots: db\n");
  const auto broken = sluicectl({"-c", config, "db", "status"});
  CHECK(broken.exit_code == 2);
  CHECK(broken.err == "sluicectl: cannot take the database URL from " + config + ":\n  " + config +
                          ":3:3: database.hots: unknown key 'hots' (did you mean 'host'?)\n");
  for (const auto* r : {&from_file, &from_env, &broken}) {
    CHECK(r->err.find("s3cret") == std::string::npos);
  }
}

TEST_CASE("validate: a key without effect is a warning on stderr and in JSON, exit 0",
          "[e2e][config][planned]") {
  test::TempDir dir;
  test::write_file(dir.path() / "sluice.yaml", test::kDaemonConfig);
  test::write_file(dir.path() / "pipelines.d" / "events.yaml",
                   std::string(test::kPipelineConfig) +
                       "notifications:\n  email_list: [ops@example.com]\n  email_on_retry: true\n");
  const std::string config = (dir.path() / "sluice.yaml").string();
  const std::string pipeline = (dir.path() / "pipelines.d" / "events.yaml").string();
  // Addresses, and no mail server in the daemon file: nothing would be sent.
  const auto r = sluicectl({"-c", config, "validate"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "valid: " + config + ": 1 connection(s), 1 pipeline(s)\n");
  CHECK(r.err == "warning: " + pipeline +
                     ":13:15: notifications.email_list: no e-mail is sent: the daemon file has no "
                     "notifications.smtp (the mail server)\n");

  const auto json = sluicectl({"-o", "json", "-c", config, "validate"});
  CHECK(json.exit_code == 0);
  const auto out = nlohmann::json::parse(json.out);
  CHECK(out["valid"] == true);
  CHECK(out["errors"].empty());
  REQUIRE(out["warnings"].size() == 1);
  CHECK(out["warnings"][0]["file"] == pipeline);
  CHECK(out["warnings"][0]["line"] == 13);
  CHECK(out["warnings"][0]["path"] == "notifications.email_list");
}

TEST_CASE("validate: a table read from another pipeline's target without depends_on is a warning",
          "[e2e][config][lineage]") {
  test::TempDir dir;
  test::write_file(dir.path() / "sluice.yaml", test::kDaemonConfig);
  // events writes demo.events_copy; daily reads it without declaring the edge.
  test::write_file(dir.path() / "pipelines.d" / "events.yaml", test::kPipelineConfig);
  test::write_file(dir.path() / "pipelines.d" / "daily.yaml",
                   "id: daily\nsource:\n  connection: pg\n  table: demo.events_copy\n"
                   "  time_column: event_time\ntarget:\n  connection: pg\n  table: demo.daily\n"
                   "window:\n  granularity: 1d\n  start_date: 2024-03-01\n");
  const std::string config = (dir.path() / "sluice.yaml").string();
  const std::string daily = (dir.path() / "pipelines.d" / "daily.yaml").string();
  const auto r = sluicectl({"-c", config, "validate"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "valid: " + config + ": 1 connection(s), 2 pipeline(s)\n");
  CHECK(r.err == "warning: " + daily +
                     ":4:10: source.table: reads events's target table demo.events_copy but does "
                     "not depend on it: add `depends_on: [events]`\n");

  // Declared: nothing to say.
  test::write_file(dir.path() / "pipelines.d" / "daily.yaml",
                   "id: daily\nsource:\n  connection: pg\n  table: demo.events_copy\n"
                   "  time_column: event_time\ntarget:\n  connection: pg\n  table: demo.daily\n"
                   "window:\n  granularity: 1d\n  start_date: 2024-03-01\ndepends_on: [events]\n");
  const auto declared = sluicectl({"-c", config, "validate"});
  CHECK(declared.exit_code == 0);
  CHECK(declared.err.empty());
}

TEST_CASE("validate: a target table against its layer's naming pattern, at both levels",
          "[e2e][config][naming]") {
  test::TempDir dir;
  // events (layer: fact) writes demo.events_copy, which `_fct_` does not match.
  test::write_file(dir.path() / "pipelines.d" / "events.yaml",
                   std::string(test::kPipelineConfig) + "layer: fact\n");
  const std::string config = (dir.path() / "sluice.yaml").string();
  const std::string events = (dir.path() / "pipelines.d" / "events.yaml").string();
  const std::string violation =
      events +
      ":8:10: target.table: 'events_copy' does not match '_fct_' (naming.fact), the "
      "pattern of layer fact\n";

  test::write_file(config, std::string(test::kDaemonConfig) + "naming: {fact: _fct_}\n");
  const auto warned = sluicectl({"-c", config, "validate"});
  CHECK(warned.exit_code == 0);
  CHECK(warned.out == "valid: " + config + ": 1 connection(s), 1 pipeline(s)\n");
  CHECK(warned.err == "warning: " + violation);

  test::write_file(config,
                   std::string(test::kDaemonConfig) + "naming: {fact: _fct_, level: error}\n");
  const auto refused = sluicectl({"-c", config, "validate"});
  CHECK(refused.exit_code == 1);
  CHECK(refused.out.empty());
  CHECK(refused.err == violation + config + ": 1 error\n");
}
