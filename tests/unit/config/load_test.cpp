#include <algorithm>

#include <date/date.h>
#include <catch2/catch.hpp>

#include "framework/config/graph.hpp"
#include "framework/config/load.hpp"
#include "tests/support/config_samples.hpp"
#include "tests/support/files.hpp"
#include "tests/support/paths.hpp"

using namespace sluice;
using namespace std::chrono;
namespace fs = std::filesystem;

namespace {

const char* const kDaemon = test::kDaemonConfig;
const char* const kPipeline = test::kPipelineConfig;

// A daemon file and pipeline files in a fresh directory.
struct Tree {
  test::TempDir dir;
  config::Environment env = config::Environment::fixed({});

  explicit Tree(const std::string& daemon, std::map<std::string, std::string> pipelines = {}) {
    test::write_file(dir.path() / "sluice.yaml", daemon);
    for (const auto& [name, text] : pipelines) {
      test::write_file(dir.path() / "pipelines.d" / name, text);
    }
  }
  tl::expected<config::Config, config::Diagnosed> load() const {
    return config::load_config(dir.path() / "sluice.yaml", {&env, true});
  }
  config::Config valid() const {
    auto c = load();
    if (!c) {
      for (const auto& d : c.error()) UNSCOPED_INFO(config::to_string(d));
    }
    REQUIRE(c);
    return std::move(*c);
  }
};

Instant utc(int y, unsigned m, unsigned d, int h = 0) {
  return date::sys_days{date::year{y} / m / d} + hours(h);
}

}  // namespace

TEST_CASE("an empty daemon file is a valid config with every default", "[config][load]") {
  Tree tree("");
  const auto c = tree.valid();
  const auto& d = c.daemon;
  CHECK(c.pipelines.empty());
  CHECK_FALSE(d.database.url);
  CHECK(d.stage.root == "/var/lib/sluice/stage");
  CHECK(d.stage.format == "copy");
  CHECK(d.stage.compression == "none");
  CHECK(d.workers == 4);
  CHECK(d.http.enabled);
  CHECK(d.http.listen == "127.0.0.1:8470");
  CHECK(d.http.tokens.empty());
  CHECK(d.http.max_body_bytes == 1048576);
  CHECK(d.http.read_timeout == std::chrono::seconds(10));
  CHECK(d.log.level == spdlog::level::info);
  CHECK(d.log.format == observe::LogFormat::text);
  CHECK(d.timezone == time::utc_zone());
  CHECK(d.pipelines_dir == tree.dir.path() / "pipelines.d");
  CHECK(d.stale_threshold.fixed == hours(2));
  CHECK(d.drain_timeout.fixed == minutes(5));
  CHECK(d.scheduler.poll_interval.fixed == seconds(10));
  CHECK(d.scheduler.heartbeat_interval.fixed == seconds(30));
  CHECK(d.scheduler.stale_check_interval.fixed == minutes(1));
  CHECK(d.scheduler.max_windows_per_tick == 1000);
  CHECK(d.scheduler.backfill_max_active_windows == 2);
  CHECK_FALSE(d.retention.records);
  CHECK_FALSE(d.retention.events);
  CHECK(d.retention.interval.fixed == hours(1));
  CHECK(d.retention.batch_size == 1000);
  CHECK(d.connections.empty());
}

TEST_CASE("a minimal pipeline takes every default", "[config][load]") {
  Tree tree(kDaemon, {{"events.yaml", kPipeline}});
  const auto c = tree.valid();
  REQUIRE(c.pipelines.size() == 1);
  const auto& p = c.pipelines.front();
  CHECK(p.id.value == "events");
  CHECK(p.file == tree.dir.path() / "pipelines.d" / "events.yaml");
  CHECK(p.description.empty());
  CHECK(p.source.connection == "pg");
  CHECK(p.source.kind == "postgres");
  CHECK(*p.source.params.get<std::string>("table") == "demo.events");
  CHECK(p.target.kind == "postgres");
  CHECK(*p.target.params.get<std::string>("time_column") == "event_time");  // the source's
  CHECK(p.cron.text() == "*/5 * * * *");
  CHECK(p.zone == time::utc_zone());  // the daemon's
  CHECK(p.window.zone == p.zone);
  CHECK(p.window.granularity.to_string() == "1h");
  CHECK(p.window.x_time_back.is_zero());
  CHECK(p.window.start == utc(2024, 3, 1));
  CHECK_FALSE(p.window.end);
  CHECK(p.window.catchup);
  CHECK(p.max_difference_pct == 0);
  CHECK(p.retries.max == 3);
  CHECK(p.retries.base_delay.fixed == seconds(30));
  CHECK(p.retries.max_delay.fixed == minutes(10));
  CHECK(p.stale_threshold.fixed == hours(2));
  CHECK(p.business_fields.empty());
  CHECK(p.check_fields.empty());
  CHECK(p.max_active_windows == 1);
  CHECK(p.notifications.email_list.empty());
  CHECK(p.notifications.email_on_failure);
  CHECK_FALSE(p.notifications.email_on_retry);
  CHECK(p.notifications.webhooks.empty());
  CHECK(p.tags.empty());
  CHECK_FALSE(p.paused);
}

TEST_CASE("pipelines inherit the daemon's zone and stale threshold", "[config][load]") {
  Tree tree(std::string(kDaemon) + "timezone: Europe/Zurich\nstale_threshold: 3h\n",
            {{"events.yaml", kPipeline},
             {"other.yaml", std::string(kPipeline).replace(4, 6, "other") +
                                "schedule:\n  timezone: Asia/Kathmandu\nstale_threshold: 90m\n"}});
  const auto c = tree.valid();
  const auto* events = c.find_pipeline("events");
  const auto* other = c.find_pipeline("other");
  REQUIRE(events);
  REQUIRE(other);
  CHECK(std::string(events->zone->name()) == "Europe/Zurich");
  // A bare start date is local midnight in the pipeline's zone.
  CHECK(events->window.start == utc(2024, 2, 29, 23));
  CHECK(events->stale_threshold.fixed == hours(3));
  CHECK(std::string(other->zone->name()) == "Asia/Kathmandu");
  CHECK(other->window.start == utc(2024, 2, 29, 18) + minutes(15));
  CHECK(other->stale_threshold.fixed == minutes(90));
  CHECK_FALSE(c.find_pipeline("nothing"));
}

TEST_CASE("pipeline files are found by extension, not hidden, in name order", "[config][load]") {
  const auto named = [](const char* id) { return std::string(kPipeline).replace(4, 6, id); };
  Tree tree(kDaemon, {{"b.yaml", named("b")},
                      {"a.yml", named("a")},
                      {".hidden.yaml", "not: a pipeline"},
                      {"notes.txt", "not a pipeline"},
                      {"c.yaml.bak", "not a pipeline"}});
  const auto c = tree.valid();
  REQUIRE(c.pipelines.size() == 2);
  CHECK(c.pipelines[0].id.value == "a");
  CHECK(c.pipelines[1].id.value == "b");
}

TEST_CASE("every value the seed's load_final_config() returns is expressible", "[config][load]") {
  // timezone, x_time_back, granularity, stale_threshold_hours, cron_schedule, email_list,
  // email_on_failure, email_on_retry, max_retry_task, check_fields, default_record.
  Tree tree(R"(connections:
  elasticsearch:
    kind: http
    base_url: https://es.internal:9200
  snowflake:
    kind: postgres
    url: postgresql://loader@warehouse/dw
)",
            {{"main.yaml", R"(id: main_pipeline
source:
  connection: elasticsearch
  path: "/events/_search?from={window_start:%FT%TZ}&to={window_end:%FT%TZ}"
  columns:
    timestamp: /timestamp
  time_column: "timestamp"
target:
  connection: snowflake
  table: events
schedule:
  cron: "0 */2 * * *"
  timezone: America/Los_Angeles
window:
  granularity: 2h
  x_time_back: 1d
  start_date: 2025-07-01
stale_threshold: 2h
retries:
  max: 3
notifications:
  email_list: [admin@company.com]
  email_on_failure: true
  email_on_retry: false
business_fields:
  key_x: "{pipeline}/{window_start:%Y/%m/%d/%H}"
  key_y: "{target_day}"
  key_z: "{time_interval}"
check_fields: [key_x, key_y, key_z]
)"}});
  const auto c = tree.valid();
  const auto& p = c.pipelines.at(0);
  CHECK(std::string(p.zone->name()) == "America/Los_Angeles");
  CHECK(time::to_string(p.window.x_time_back) == "1d");
  CHECK(p.window.granularity.to_string() == "2h");
  CHECK(p.stale_threshold.fixed == hours(2));
  CHECK(p.cron.text() == "0 */2 * * *");
  CHECK(p.notifications.email_list == std::vector<std::string>{"admin@company.com"});
  CHECK(p.notifications.email_on_failure);
  CHECK_FALSE(p.notifications.email_on_retry);
  CHECK(p.retries.max == 3);
  CHECK(p.check_fields == std::vector<std::string>{"key_x", "key_y", "key_z"});
  // default_record: source_name, target_name, pipeline_id.
  CHECK(p.source.connection == "elasticsearch");
  CHECK(p.target.connection == "snowflake");
  CHECK(p.id.value == "main_pipeline");
  REQUIRE(p.business_fields.size() == 3);
  const time::TemplateContext ctx{
      p.id.value, {utc(2025, 7, 1, 10), utc(2025, 7, 1, 12)}, p.zone, p.window.granularity};
  CHECK(p.business_fields[0].second.render(ctx) == "main_pipeline/2025/07/01/03");
  CHECK(p.business_fields[1].second.render(ctx) == "2025-07-01");
  CHECK(p.business_fields[2].second.render(ctx) == "2h");
}

TEST_CASE("check_fields defaults to every business field", "[config][load]") {
  Tree tree(kDaemon,
            {{"events.yaml", std::string(kPipeline) + "business_fields:\n  b: \"{target_day}\"\n"
                                                      "  a: \"{pipeline}\"\n"}});
  const auto c = tree.valid();
  CHECK(c.pipelines.at(0).check_fields == std::vector<std::string>{"b", "a"});
}

TEST_CASE("x_time_back accepts an explicit zero", "[config][load]") {
  for (const char* zero : {"0", "0s", "0m"}) {
    INFO(zero);
    Tree tree(kDaemon, {{"events.yaml", std::string(kPipeline) + "  x_time_back: " + zero + "\n"}});
    CHECK(tree.valid().pipelines.at(0).window.x_time_back.is_zero());
  }
}

TEST_CASE("the daemon's database is a URL or a libpq string of its parts", "[config][load]") {
  SECTION("url") {
    Tree tree("database:\n  url: postgresql://sluice@db/sluice\n");
    CHECK(tree.valid().daemon.database.url->reveal() == "postgresql://sluice@db/sluice");
  }
  SECTION("parts, quoted for libpq") {
    test::TempDir secrets;
    test::write_file(secrets.path() / "pw", "it's a \\ pw\n");
    Tree tree(
        "database:\n  host: /run/postgresql\n  port: 5433\n  dbname: my db\n  user: "
        "sluice\n  password: ${file:" +
        (secrets.path() / "pw").string() + "}\n  sslmode: require\n");
    const auto url = tree.valid().daemon.database.url;
    REQUIRE(url);
    CHECK(url->reveal() ==
          "host='/run/postgresql' dbname='my db' user='sluice' sslmode='require' "
          "application_name='sluice' port='5433' connect_timeout='10' "
          "password='it\\'s a \\\\ pw'");
    CHECK(url->redacted().find("it's a") == std::string::npos);
  }
}

TEST_CASE("relative paths are relative to the file that holds them", "[config][load]") {
  Tree tree(
      "stage:\n  root: ../stage\npipelines_dir: conf.d\nconnections:\n  files:\n    kind: "
      "file\n    root: data\n");
  fs::create_directories(tree.dir.path() / "conf.d");
  const auto c = tree.valid();
  CHECK(c.daemon.stage.root == (tree.dir.path().parent_path() / "stage").lexically_normal());
  CHECK(c.daemon.pipelines_dir == tree.dir.path() / "conf.d");
  const auto* root = c.daemon.find_connection("files")->params.get<std::string>("root");
  CHECK(*root == (tree.dir.path() / "data").string());
}

TEST_CASE("the example configs are valid", "[config][load][examples]") {
  const fs::path examples = fs::path(SLUICE_SOURCE_DIR) / "config" / "examples";
  test::TempDir creds;
  test::write_file(creds.path() / "db_password", "cred-pw");
  test::write_file(creds.path() / "api_ci", "ci-token-0123456789abcdef");
  SECTION("the full example, with its secrets provided") {
    // ${file:secrets/...} is relative to the daemon file: copy the examples beside a secret.
    test::TempDir copy;
    fs::copy(examples, copy.path(), fs::copy_options::recursive);
    test::write_file(copy.path() / "secrets" / "shop_db_password", "file-pw");
    const auto env = config::Environment::fixed({{"WAREHOUSE_PASSWORD", "w"},
                                                 {"CLICKHOUSE_PASSWORD", "c"},
                                                 {"EVENTS_API_TOKEN", "t"},
                                                 {"SLACK_WEBHOOK_URL", "https://hooks/x"},
                                                 {"CREDENTIALS_DIRECTORY", creds.path().string()}});
    const auto c = config::load_config(copy.path() / "sluice.yaml", {&env, true});
    if (!c) {
      for (const auto& d : c.error()) UNSCOPED_INFO(config::to_string(d));
    }
    REQUIRE(c);
    CHECK(c->warnings.empty());  // it sets no planned key
    CHECK(c->daemon.connections.size() == 6);
    CHECK(c->pipelines.size() == 11);
    // Three levels: orders -> orders_clean -> orders_fct_daily.
    const config::PipelineGraph graph(*c);
    CHECK(graph.descendants("orders") ==
          std::vector<std::string>{"orders_clean", "orders_fct_daily"});
    REQUIRE(c->daemon.http.tokens.size() == 1);
    CHECK(c->daemon.http.tokens[0].token.reveal() == "ci-token-0123456789abcdef");
    // Every adapter kind of the registry is used by the example.
    for (const auto* a : adapters::registry()) {
      INFO(a->kind);
      CHECK(std::any_of(c->daemon.connections.begin(), c->daemon.connections.end(),
                        [&](const auto& conn) { return conn.adapter == a; }));
    }
  }
  SECTION("the quickstart, with the database URL from the environment") {
    const auto env =
        config::Environment::fixed({{"SLUICE_DATABASE_URL", "postgresql:///sluice"},
                                    {"SLUICE_QUICKSTART_TOKEN", "quickstart-token-0123456789"}});
    const auto c = config::load_config(examples / "quickstart.yaml", {&env, true});
    REQUIRE(c);
    // The console's sign-in token, from the environment deploy/quickstart.sh sets.
    REQUIRE(c->daemon.http.tokens.size() == 1);
    CHECK(c->daemon.http.tokens[0].role == "admin");
    CHECK(c->daemon.http.listen == "127.0.0.1:8470");
    REQUIRE(c->pipelines.size() == 2);
    const auto named = [&](std::string_view id) {
      const auto it = std::find_if(c->pipelines.begin(), c->pipelines.end(),
                                   [&](const auto& p) { return p.id.value == id; });
      REQUIRE(it != c->pipelines.end());
      return *it;
    };
    // The daily aggregate over the hourly copy, in the database, after its day's hours.
    const auto daily = named("demo_daily");
    CHECK(daily.kind == config::PipelineConfig::Kind::sql);
    CHECK(daily.window.granularity.to_string() == "1d");
    REQUIRE(daily.depends_on.size() == 1);
    CHECK(daily.depends_on[0].upstream.value == "demo_events");
    CHECK(daily.ddl.has_value());
    const auto p = named("demo_events");
    CHECK(p.window.granularity.to_string() == "1h");
    CHECK(time::to_string(p.window.x_time_back) == "10m");
    CHECK(p.window.catchup);
    CHECK(*p.target.params.get<std::string>("time_column") == "event_time");
  }
}
