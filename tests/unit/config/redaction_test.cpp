// A secret's value never reaches `config show`, a diagnostic or any printed form.
#include <catch2/catch.hpp>

#include "framework/config/load.hpp"
#include "framework/config/show.hpp"
#include "tests/support/config_samples.hpp"
#include "tests/support/files.hpp"
#include "tests/support/paths.hpp"

using namespace sluice;

namespace {

// Every secret below holds one of these; none may appear in any output.
const std::vector<std::string> kValues = {"envVALUE-1",    "fileVALUE-2", "credVALUE-3",
                                          "inlineVALUE-4", "hookVALUE-5", "tokenVALUE-6",
                                          "signVALUE-7",   "smtpVALUE-8"};

struct SecretTree {
  test::TempDir dir;
  test::TempDir creds;
  config::Environment env;

  SecretTree()
      : env(config::Environment::fixed({{"DB_PASSWORD", "envVALUE-1"},
                                        {"HOOK", "https://hooks.example.com/hookVALUE-5"},
                                        {"CREDENTIALS_DIRECTORY", creds.path().string()}})) {
    test::write_file(creds.path() / "api_token", "tokenVALUE-6\n");
    test::write_file(dir.path() / "ch_password", "fileVALUE-2\n");
    test::write_file(dir.path() / "sluice.yaml", std::string(test::kDaemonWithSecrets) + R"(  ch:
    kind: clickhouse
    url: http://localhost:8123
    password: ${file:ch_password}
  my:
    kind: mysql
    host: db
    password: ${credential:mysql}
  api:
    kind: http
    base_url: https://api.example.com?token=inlineVALUE-4
    auth_header: Bearer ${credential:api_token}
notifications:
  smtp:
    url: smtp://mail.example.com
    from: sluice@example.com
    username: sluice
    password: smtpVALUE-8
  webhooks:
    - {url: "https://hooks.example.com/inlineVALUE-4", secret: signVALUE-7}
)");
    test::write_file(creds.path() / "mysql", "credVALUE-3");
    test::write_file(dir.path() / "pipelines.d" / "events.yaml",
                     std::string(test::kPipelineConfig) + R"(notifications:
  webhooks:
    - url: ${env:HOOK}
    - url: https://hooks.example.com/inlineVALUE-4
      secret: signVALUE-7
)");
  }
};

void check_clean(const std::string& text) {
  for (const auto& v : kValues) {
    INFO(v);
    CHECK(text.find(v) == std::string::npos);
  }
}

}  // namespace

TEST_CASE("config show redacts every secret", "[config][redaction]") {
  SecretTree tree;
  const auto loaded = config::load_config(tree.dir.path() / "sluice.yaml", {&tree.env, true});
  REQUIRE(loaded);
  // The values were resolved: the connection code would get them.
  CHECK(loaded->daemon.find_connection("ch")->params.get<config::Secret>("password")->reveal() ==
        "fileVALUE-2");
  CHECK(loaded->pipelines.at(0).notifications.webhooks.at(0).url.reveal() ==
        "https://hooks.example.com/hookVALUE-5");
  const auto database =
      config::resolve_database_url("", &loaded->daemon.database, config::Environment::fixed({}));
  REQUIRE(database);
  CHECK(database->url.reveal().find("envVALUE-1") != std::string::npos);

  const auto shown = config::effective_config(*loaded, *database);
  const std::string json = shown.dump(2);
  const std::string yaml = config::to_yaml(shown);
  check_clean(json);
  check_clean(yaml);
  CHECK(shown["daemon"]["database"]["password"] == "${env:DB_PASSWORD}");
  CHECK(shown["database_url"]["value"].get<std::string>().find("password=${env:DB_PASSWORD}") !=
        std::string::npos);
  CHECK(shown["daemon"]["connections"]["pg"]["url"] ==
        "postgresql://loader:<redacted>@warehouse/dw");
  CHECK(shown["daemon"]["connections"]["api"]["base_url"] ==
        "https://api.example.com?token=<redacted>");
  CHECK(shown["daemon"]["connections"]["api"]["auth_header"] == "<redacted>");
  CHECK(shown["pipelines"]["events"]["notifications"]["webhooks"][1]["url"] == "<redacted>");
  CHECK(shown["pipelines"]["events"]["notifications"]["webhooks"][1]["secret"] == "<redacted>");
  CHECK(shown["daemon"]["notifications"]["smtp"]["password"] == "<redacted>");
  // A webhook without a name shows the one its position gives it, not null.
  CHECK(shown["pipelines"]["events"]["notifications"]["webhooks"][1]["name"] == "webhook2");
  CHECK(shown["daemon"]["notifications"]["webhooks"][0]["name"] == "webhook1");
  CHECK(loaded->daemon.notifications.smtp->password.reveal() == "smtpVALUE-8");
}

TEST_CASE("diagnostics about secret keys never quote the value", "[config][redaction]") {
  test::TempDir dir;
  const auto env = config::Environment::fixed({{"URL", "mysql://root:envVALUE-1@db/x"}});
  test::write_file(dir.path() / "sluice.yaml", R"(connections:
  a:
    kind: postgres
    url: mysql://root:inlineVALUE-4@db/x
  b:
    kind: postgres
    url: ${env:URL}
  c:
    kind: http
    base_url: ftp://tokenVALUE-6@example.com
  d:
    kind: postgres
    host: db
    password: [inlineVALUE-4]
)");
  test::write_file(dir.path() / "pipelines.d" / "p.yaml", R"(id: p
source:
  connection: a
target:
  connection: b
window:
  granularity: 1h
  start_date: 2024-03-01
notifications:
  webhooks:
    - url: hookVALUE-5
)");
  const auto loaded = config::load_config(dir.path() / "sluice.yaml", {&env, true});
  REQUIRE_FALSE(loaded);
  CHECK(loaded.error().size() >= 5);
  std::string all;
  for (const auto& d : loaded.error()) all += config::to_string(d) + "\n";
  INFO(all);
  check_clean(all);
  check_clean(config::diagnostics_json(loaded.error()).dump());
}
