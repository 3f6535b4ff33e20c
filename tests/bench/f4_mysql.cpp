// MariaDB -> local stage -> PostgreSQL: one window of N rows by the runner (pre-validation
// counts, extract to the stage file while loading, audit counts), against
// `mariadb --quick --batch -e "SELECT ..." | psql -c "\copy dst from stdin"` moving the same
// rows into the same target table. Each sluice run is a process of its own, so its peak RSS
// (ru_maxrss) is the worker's alone. Printed, never asserted. f4_mysql_bench.sh starts the
// servers and sets SLUICE_BENCH_DATABASE_URL and SLUICE_BENCH_MYSQL_URL.
#include <cstdio>
#include <filesystem>

#include "framework/adapters/mysql/mysql.hpp"
#include "framework/adapters/postgres/postgres.hpp"
#include "framework/adapters/stage_local/local_stage.hpp"
#include "framework/observe/log.hpp"
#include "framework/time/zone.hpp"
#include "tasks/runner.hpp"
#include "tests/bench/support/windows.hpp"

using namespace sluice;
using namespace sluice::bench;
namespace fs = std::filesystem;
namespace my = sluice::adapters::mysql;

namespace {

constexpr const char* kDatabase = "sluice_bench_mysql";
constexpr const char* kColumns = "id, event_time, user_id, kind, amount, note";

struct Settings {
  std::string pg_url;       // of the benchmark's PostgreSQL database
  my::ConnectParams maria;  // of the benchmark's MariaDB database
  fs::path stage;
  int repeats = 3;
  long rows = 0;
  Window window{kStart, kStart + std::chrono::hours(1)};
};

using Run = WindowRun;

void maria_exec(const my::ConnectParams& p, const std::string& statement) {
  auto c = my::Connection::open(p);
  if (!c) throw std::runtime_error(c.error().message);
  if (auto r = c->exec(statement); !r) throw std::runtime_error(r.error().message);
}

// The source: one hour of rows in MariaDB, the same shape as f3's PostgreSQL source.
void create_source(Settings& s) {
  auto server = s.maria;
  server.database.clear();
  maria_exec(server, std::string("DROP DATABASE IF EXISTS ") + kDatabase);
  maria_exec(server, std::string("CREATE DATABASE ") + kDatabase + " CHARACTER SET utf8mb4");
  s.maria.database = kDatabase;
  maria_exec(
      s.maria,
      "CREATE TABLE src (id BIGINT PRIMARY KEY, event_time DATETIME(6) NOT NULL, user_id INT, "
      "kind VARCHAR(16), amount DECIMAL(12,2), note VARCHAR(64), KEY (event_time)) CHARACTER SET "
      "utf8mb4");
  const std::string n = std::to_string(s.rows);
  maria_exec(
      s.maria,
      "INSERT INTO src SELECT seq, TIMESTAMP'" + date::format("%Y-%m-%d %H:%M:%S", s.window.start) +
          "' + INTERVAL (seq * 3600000000 DIV " + n +
          ") MICROSECOND, (seq * 7919) MOD 1000, ELT(seq MOD 4 + 1, 'view', 'click', 'purchase', "
          "'refund'), IF(seq MOD 4 >= 2, (seq * 31) MOD 10000 / 100, NULL), "
          "CONCAT('generated row ', seq MOD 97) FROM seq_0_to_" +
          std::to_string(s.rows - 1));
  maria_exec(s.maria, "ANALYZE TABLE src");
}

void reset_target(const Settings& s) {
  sql(s.pg_url, "TRUNCATE dst");
  sql(s.pg_url, "CHECKPOINT");
}

std::shared_ptr<tasks::PipelineRuntime> pipeline(const Settings& s, const std::string& id) {
  auto p = std::make_shared<tasks::PipelineRuntime>();
  p->id = PipelineId{id};
  p->source_name = "bench_maria";
  p->target_name = "bench_dst";
  p->source = my::make_source({s.maria, std::nullopt, "src", "event_time"});
  p->target = adapters::postgres::make_target({s.pg_url, "dst", "event_time"});
  p->stage = std::make_shared<adapters::LocalStage>(s.stage);
  p->windows.granularity = *time::Granularity::parse("1h");
  p->windows.zone = time::utc_zone();
  p->windows.start = s.window.start;
  p->windows.end = s.window.end;
  return p;
}

Run run_sluice(const Settings& s, const std::string& id) {
  reset_target(s);
  const WindowRun r = run_in_child(s.pg_url, pipeline(s, id));
  const long loaded = scalar(s.pg_url, "SELECT count(*) FROM dst");
  if (r.rows != s.rows || loaded != s.rows)
    std::printf("    [sluice run %s: %ld rows reported, %ld in the target, %ld expected]\n",
                id.c_str(), r.rows, loaded, s.rows);
  return r;
}

// The plain tools: the mariadb client streaming (--quick) tab-separated, escaped rows
// (--batch) into psql's \copy; the client writes NULL as `NULL`.
Run run_client_pipe(const Settings& s) {
  reset_target(s);
  const std::string select = "SELECT " + std::string(kColumns) + " FROM src WHERE event_time >= '" +
                             date::format("%Y-%m-%d %H:%M:%S", s.window.start) +
                             "' AND event_time < '" +
                             date::format("%Y-%m-%d %H:%M:%S", s.window.end) + "'";
  const std::vector<std::string> out{"mariadb",
                                     "--no-defaults",
                                     "--quick",
                                     "--batch",
                                     "--skip-column-names",
                                     "-h",
                                     s.maria.host,
                                     "-P",
                                     std::to_string(s.maria.port),
                                     "-u",
                                     s.maria.user,
                                     "-p" + s.maria.password,
                                     s.maria.database,
                                     "-e",
                                     select};
  const std::vector<std::string> in{
      "psql",
      "-X",
      "-q",
      "-v",
      "ON_ERROR_STOP=1",
      "-d",
      s.pg_url,
      "-c",
      std::string("\\copy dst (") + kColumns + ") from stdin with (null 'NULL')"};
  const auto t0 = Clock::now();
  const bool ok = run_pipe(out, in);
  Run r{seconds_since(t0), scalar(s.pg_url, "SELECT count(*) FROM dst"), 0};
  if (!ok || r.rows != s.rows)
    std::printf("    [client pipe: %s, %ld rows in the target, %ld expected]\n",
                ok ? "ok" : "failed", r.rows, s.rows);
  return r;
}

void compare(const Settings& s) {
  compare_data_path(
      s.pg_url, "MariaDB -> PostgreSQL", "mariadb | psql", s.rows, s.repeats,
      "mysql_" + std::to_string(s.rows) + "_",
      [&](const std::string& id) { return run_sluice(s, id); },
      [&] { return run_client_pipe(s).seconds; });
}

}  // namespace

int main() {
  init_bench_logging();
  const std::string pg_server = server_url_or_skip("f4_mysql");
  const std::string maria_url = env_or("SLUICE_BENCH_MYSQL_URL", "");
  if (maria_url.empty()) {
    std::printf(
        "f4_mysql: skipped (SLUICE_BENCH_MYSQL_URL is not set; tests/bench/f4_mysql_bench.sh sets "
        "it)\n");
    return 0;
  }
  Settings s;
  auto parsed = my::parse_url(maria_url);
  if (!parsed) {
    std::printf("f4_mysql: %s\n", parsed.error().message.c_str());
    return 1;
  }
  s.maria = *parsed;
  s.repeats = static_cast<int>(env_number("SLUICE_BENCH_REPEATS", 3));
  s.rows = env_number("SLUICE_BENCH_ROWS", 2'000'000);
  const fs::path work = env_or("SLUICE_BENCH_WORK_DIR", fs::temp_directory_path() / "sluice-bench");
  s.stage = work / "mysql-stage";
  fs::remove_all(s.stage);
  fs::create_directories(s.stage);
  try {
    s.pg_url = fresh_database(pg_server, kDatabase);
    sql(s.pg_url,
        "CREATE TABLE dst (id bigint, event_time timestamptz NOT NULL, user_id int, kind text, "
        "amount numeric(12,2), "
        "note text); CREATE INDEX ON dst (event_time)");
    const auto t0 = Clock::now();
    create_source(s);
    std::printf("setup: %ld MariaDB source rows in %.0f s\n", s.rows, seconds_since(t0));
    compare(s);
    if (env_or("SLUICE_BENCH_KEEP", "").empty()) {
      sql(pg_server, std::string("DROP DATABASE IF EXISTS ") + kDatabase + " WITH (FORCE)");
      maria_exec(s.maria, std::string("DROP DATABASE IF EXISTS ") + kDatabase);
    }
  } catch (const std::exception& e) {
    std::printf("f4_mysql failed: %s\n", e.what());
    return 1;
  }
}
