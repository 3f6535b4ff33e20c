// Failure isolation with the real sluiced: one broken pipeline file of three stops nothing
// else; it shows as `config error` with its place in `sluicectl status` and the API; fixed
// and SIGHUP, it is scheduled; a running pipeline whose file breaks keeps its definition.
#include <signal.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/e2e/daemon/harness.hpp"
#include "tests/support/api_services.hpp"
#include "tests/support/ctl.hpp"
#include "tests/support/files.hpp"
#include "tests/support/http_client.hpp"

using namespace sluice;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

struct Isolated {
  test::TestDatabase db;
  std::unique_ptr<store::Connection> c = test::prepared(
      db,
      "CREATE TABLE src (id int, event_time timestamptz, note text);"
      "CREATE TABLE dst_a (LIKE src); CREATE TABLE dst_b (LIKE src); CREATE TABLE dst_c (LIKE src);"
      "INSERT INTO src SELECT i, '2024-01-01'::timestamptz + i * interval '1 hour', 'x' "
      "FROM generate_series(0, 23) i");
  test::TempDir dir;
  std::unique_ptr<test::DaemonProcess> daemon;
  unsigned short port = 0;

  std::filesystem::path file(const std::string& id) const {
    return dir.path() / "pipelines.d" / (id + ".yaml");
  }
  void write(const std::string& id) const {
    test::write_pipeline(dir.path(), id, "src", "dst_" + id, "2024-01-01", "2024-01-02");
  }
  // The pipeline's file with `what` replaced by `with` (once).
  void edit(const std::string& id, const std::string& what, const std::string& with) const {
    auto text = test::read_file(file(id));
    REQUIRE(text.find(what) != std::string::npos);
    text.replace(text.find(what), what.size(), with);
    test::write_file(file(id), text);
  }
  void start() {
    test::DaemonSettings settings;
    settings.http = std::string(
                        "  listen: 127.0.0.1:0\n  tokens:\n    - {name: dash, role: viewer, "
                        "token: ") +
                    test::kViewerToken + "}\n";
    test::write_daemon_file(dir.path(), settings);
    daemon = std::make_unique<test::DaemonProcess>(dir.path(), db.url());
    const bool serving =
        test::eventually([&] { return (port = test::served_port(daemon->log())) != 0; }, 20s);
    INFO(daemon->log());
    REQUIRE(serving);
  }
  std::int64_t done(const std::string& id) const {
    return test::count(*c,
                       "SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'SUCCESS' "
                       "AND pipeline_id = '" +
                           id + "'");
  }
  std::int64_t records(const std::string& id) const {
    return test::count(*c,
                       "SELECT count(*) FROM pipeline_records WHERE pipeline_id = '" + id + "'");
  }
  test::ProcessResult ctl(std::vector<std::string> args) const {
    args.insert(args.begin(), {"-c", (dir.path() / "sluice.yaml").string()});
    return test::run_ctl(args, db.url());
  }
  json api(const std::string& path) const {
    const auto r = test::http_request("http://127.0.0.1:" + std::to_string(port) + path,
                                      {.token = test::kViewerToken});
    INFO(r.body);
    REQUIRE(r.status == 200);
    return json::parse(r.body);
  }
  // The row of `id` in GET /api/v1/pipelines.
  json listed(const std::string& id) const {
    const json list = api("/api/v1/pipelines");
    for (const auto& p : list["pipelines"])
      if (p["pipeline"] == id) return p;
    FAIL("no row for " << id);
    return {};
  }
};

}  // namespace

TEST_CASE("one broken pipeline file of three stops nothing else, and is fixed by a reload",
          "[e2e][daemon][isolation]") {
  Isolated env;
  for (const char* id : {"a", "b", "c"}) env.write(id);
  env.edit("b", "0 * * * *", "61 * * * *");  // line 10
  env.start();
  auto& daemon = *env.daemon;
  const std::string b_file = env.file("b").string();

  // a and c run their windows; b is not scheduled and has no record.
  CHECK(test::eventually([&] { return env.done("a") == 24 && env.done("c") == 24; }, 40s));
  CHECK(env.records("b") == 0);
  INFO(daemon.log());
  CHECK(daemon.log_contains("pipeline=b quarantined, not scheduled: config error " + b_file +
                            ":10:"));
  CHECK(daemon.log_contains("schedule.cron"));

  // sluicectl, from its own load of the files: the row, then its place and message.
  const auto status = env.ctl({"status"});
  INFO(status.out << status.err);
  CHECK(status.exit_code == 0);
  CHECK_THAT(status.out, Catch::Matches("(.|\n)*\nb +config error +- +0 +0 +0 +-\n(.|\n)*"));
  CHECK_THAT(status.out, Catch::Contains("\nb: config error " + b_file + ":10:"));
  const auto as_json = env.ctl({"-o", "json", "status", "b"});
  CHECK(as_json.exit_code == 0);
  const auto rows = json::parse(as_json.out);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0]["state"] == "config_error");
  CHECK(rows[0]["config_error"]["file"] == b_file);
  CHECK(rows[0]["config_error"]["line"] == 10);
  CHECK(rows[0]["config_error"]["path"] == "schedule.cron");
  CHECK(rows[0]["config_error"]["running_previous_definition"] == false);
  // Commands that act on it say why they cannot; validate still fails the set.
  const auto rerun = env.ctl({"-y", "rerun", "b", "--from", "2024-01-01", "--to", "2024-01-02"});
  CHECK(rerun.exit_code == 2);
  CHECK_THAT(rerun.err, Catch::Contains("pipeline 'b' is not loaded: config error " + b_file));
  const auto validate = env.ctl({"validate"});
  CHECK(validate.exit_code == 1);
  CHECK_THAT(validate.err, Catch::Contains(b_file + ":10:"));

  // The daemon's view, through the API: the list and the detail.
  const auto row = env.listed("b");
  CHECK(row["state"] == "config_error");
  CHECK(row["config_error"]["file"] == b_file);
  CHECK(row["config_error"]["line"] == 10);
  CHECK(env.listed("a")["state"] == "active");
  CHECK(env.listed("a")["config_error"].is_null());
  const auto detail = env.api("/api/v1/pipelines/b");
  CHECK(detail["state"] == "config_error");
  CHECK(detail["config"].is_null());

  // Fixed and SIGHUP: scheduled, and run.
  env.edit("b", "61 * * * *", "0 * * * *");
  daemon.signal(SIGHUP);
  CHECK(test::eventually([&] { return env.done("b") == 24; }, 40s));
  CHECK(daemon.log_contains("config reloaded: added b"));
  CHECK(test::count(*env.c, "SELECT count(*) FROM dst_b") == 24);
  CHECK(env.listed("b")["state"] == "active");

  daemon.signal(SIGTERM);
  CHECK(daemon.wait().exit_code == 0);
}

TEST_CASE("a running pipeline whose file breaks keeps its definition until it is fixed",
          "[e2e][daemon][isolation]") {
  Isolated env;
  for (const char* id : {"a", "b"}) env.write(id);
  env.start();
  auto& daemon = *env.daemon;
  REQUIRE(test::eventually([&] { return env.done("a") == 24 && env.done("b") == 24; }, 40s));
  const auto hash_of_a = [&] {
    const auto r =
        test::run_sql(*env.c, "SELECT config_hash FROM pipelines WHERE pipeline_id = 'a'");
    return r.empty() ? std::string() : r[0][0].as<std::string>();
  };
  REQUIRE(test::eventually([&] { return !hash_of_a().empty(); }, 10s));
  const std::string registered = hash_of_a();

  // An undefined connection, line 3 column 15: a is quarantined but runs as before.
  env.edit("a", "connection: db", "connection: nodb");
  daemon.signal(SIGHUP);
  INFO(daemon.log());
  CHECK(test::eventually(
      [&] { return daemon.log_contains("pipeline=a not reloaded: config error (running"); }, 10s));
  CHECK(daemon.log_contains("config reloaded: no pipeline changed"));
  CHECK(daemon.log_contains(env.file("a").string() +
                            ":3:15: source.connection: undefined connection 'nodb'"));
  const auto row = env.listed("a");
  CHECK(row["state"] == "config_error");
  CHECK(row["config_error"]["line"] == 3);
  CHECK(row["config_error"]["column"] == 15);
  CHECK(row["config_error"]["running_previous_definition"] == true);
  const auto detail = env.api("/api/v1/pipelines/a");
  CHECK(detail["config"]["source"]["connection"] == "db");  // the definition it runs

  // Its windows still run, by the old definition: one put back to PENDING is loaded again.
  test::run_sql(*env.c,
                "UPDATE pipeline_records SET pipeline_status = 'PENDING' "
                "WHERE pipeline_id = 'a' AND window_start_time = '2024-01-01T05:00:00Z'");
  CHECK(test::eventually([&] { return env.done("a") == 24; }, 20s));
  CHECK(test::count(*env.c,
                    "SELECT count(*) FROM pipeline_events e JOIN pipeline_records r ON r.id = "
                    "e.record_id WHERE r.pipeline_id = 'a' AND e.task = 'claim' AND "
                    "r.window_start_time = '2024-01-01T05:00:00Z'") == 2);
  CHECK(hash_of_a() == registered);  // the registry keeps what runs

  // sluicectl's own load has no previous definition: it says config error, nothing more.
  const auto status = env.ctl({"status"});
  CHECK_THAT(status.out, Catch::Contains("\na: config error " + env.file("a").string() + ":3:15:"));

  // Fixed: loaded again, the error gone.
  env.edit("a", "connection: nodb", "connection: db");
  daemon.signal(SIGHUP);
  CHECK(test::eventually([&] { return env.listed("a")["state"] == "active"; }, 10s));

  daemon.signal(SIGTERM);
  CHECK(daemon.wait().exit_code == 0);
}
