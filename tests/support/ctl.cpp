#include "tests/support/ctl.hpp"

#include <catch2/catch.hpp>

#include "tests/support/paths.hpp"

namespace sluice::test {

std::filesystem::path write_ctl_config(const TempDir& dir, const std::string& extra_connections) {
  write_file(dir.path() / "sluice.yaml", R"(database:
  url: ${env:SLUICE_DATABASE_URL}
stage:
  root: stage
workers: 2
http:
  listen: 127.0.0.1:0
connections:
  db:
    kind: postgres
    url: ${env:SLUICE_DATABASE_URL}
)" + extra_connections);
  const auto pipeline = [&](const std::string& id, const std::string& window) {
    write_file(dir.path() / "pipelines.d" / (id + ".yaml"), "id: " + id + R"(
source:
  connection: db
  table: src
  time_column: event_time
target:
  connection: db
  table: dst
schedule:
  cron: "0 * * * *"
  timezone: UTC
)" + window + "max_active_windows: 3\n");
  };
  pipeline(
      "copy_events",
      "window:\n  granularity: 1h\n  start_date: \"2024-01-01\"\n  end_date: \"2024-01-02\"\n");
  pipeline("history",
           "window:\n  granularity: 1h\n  start_date: \"2023-01-01\"\n  end_date: \"2023-03-01\"\n "
           " catchup: false\n");
  return dir.path() / "sluice.yaml";
}

void create_ctl_tables(store::Connection& connection) {
  run_sql(
      connection,
      "CREATE TABLE src (id int, event_time timestamptz, note text); CREATE TABLE dst (LIKE src)");
}

std::vector<std::string> ctl_argv(const std::vector<std::string>& args) {
  std::vector<std::string> argv{(binary_dir() / "daemon" / "sluicectl").string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

ProcessResult run_ctl(const std::vector<std::string>& args, const std::string& url) {
  return run_process(ctl_argv(args), {{"SLUICE_DATABASE_URL", url}});
}

CtlEnv::CtlEnv(const std::string& extra_connections) {
  db.migrate();
  c = db.connect();
  create_ctl_tables(*c);
  config = write_ctl_config(dir, extra_connections).string();
}

ProcessResult CtlEnv::ctl(std::vector<std::string> args) const {
  args.insert(args.begin(), {"-c", config});
  return run_ctl(args, db.url());
}

std::int64_t CtlEnv::count(const std::string& sql) const {
  return test::count(*c, sql);
}

void CtlEnv::load_copy_events() const {
  run_sql(*c,
          "INSERT INTO src SELECT i, '2024-01-01'::timestamptz + i * interval '30 minutes', 'n' "
          "FROM generate_series(0, 47) i");
  const auto r = ctl({"run-once", "copy_events"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
}

std::int64_t CtlEnv::id_at(const std::string& start) const {
  return count(
      "SELECT id FROM pipeline_records WHERE pipeline_id = 'copy_events' AND window_start_time = "
      "'" +
      start + "'");
}

void check_ctl_refusals(const CtlEnv& e, std::initializer_list<CtlRefusal> cases) {
  const auto before = database_fingerprint(*e.c);
  for (const auto& c : cases) {
    INFO(c.name);
    const auto r = e.ctl(c.args);
    INFO(r.out);
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(c.message) != std::string::npos);
  }
  CHECK(database_fingerprint(*e.c) == before);
}

std::string database_fingerprint(store::Connection& connection) {
  return run_sql(
             connection,
             "SELECT concat_ws(' ', "
             " (SELECT count(*) || ':' || coalesce(md5(string_agg(r::text, '' ORDER BY id)), '') "
             "    FROM pipeline_records r), "
             " (SELECT count(*) FROM pipeline_events), "
             " (SELECT count(*) || ':' || coalesce(md5(string_agg(b::text, '' ORDER BY id)), '') "
             "    FROM backfill_requests b), "
             " (SELECT count(*) || ':' || coalesce(md5(string_agg(p::text, '' ORDER BY "
             "pipeline_id)), '') "
             "    FROM pipelines p), "
             " (SELECT count(*) FROM audit_log), "
             " (SELECT count(*) FROM pipeline_definitions))")[0][0]
      .as<std::string>();
}

}  // namespace sluice::test
