// MariaDB as a target: one window's stage file of N rows (SLUICE_BENCH_ROWS, 2,000,000) loaded
// by the target (Target::load, what stage->target does from the stage file: in one
// transaction the window is deleted and the rows streamed with LOAD DATA LOCAL INFILE, each
// converted on the way), against the `mariadb` client loading the same file with
// `LOAD DATA LOCAL INFILE` into the same table in the same transaction. Rows/s, their ratio
// (paired runs, alternating) and the peak RSS of each side (each in a process of its own).
// Printed, never asserted. g6_mysql_target_bench.sh starts the server and sets
// SLUICE_BENCH_MYSQL_URL.
#include <cstdio>
#include <filesystem>

#include <date/date.h>

#include "framework/adapters/mysql/mysql.hpp"
#include "framework/adapters/stage_local/local_stage.hpp"
#include "tests/bench/support/measure.hpp"
#include "tests/bench/support/process.hpp"

using namespace sluice;
using namespace sluice::bench;
namespace fs = std::filesystem;
namespace my = sluice::adapters::mysql;

namespace {

constexpr const char* kDatabase = "sluice_bench_target";
constexpr const char* kColumns = "id, event_time, user_id, kind, amount, note";
const Instant kStart = Instant{date::sys_days{date::year{2024} / 1 / 1}};

struct Settings {
  my::ConnectParams maria;
  fs::path work;
  long rows = 0;
  int repeats = 3;
  Window window{kStart, kStart + std::chrono::hours(1)};
  adapters::WindowContext ctx{PipelineId{"bench_target"}, window, RunId{"manual__bench"}};
};

struct LoadRun {
  double seconds = 0;
  long rows = -1;
  double peak_rss_mib = 0;
};

void maria_exec(const my::ConnectParams& p, const std::string& statement) {
  auto c = my::Connection::open(p);
  if (!c) throw std::runtime_error(c.error().message);
  if (auto r = c->exec(statement); !r) throw std::runtime_error(r.error().message);
}

long maria_count(const my::ConnectParams& p) {
  auto c = my::Connection::open(p);
  if (!c) throw std::runtime_error(c.error().message);
  auto n = c->query_int("SELECT count(*) FROM dst");
  if (!n) throw std::runtime_error(n.error().message);
  return static_cast<long>(*n);
}

// The window's stage file, written as source->stage writes it: COPY text, the time column
// without an offset (what a DATETIME source gives), a quarter of the amounts NULL.
fs::path write_stage(const Settings& s, adapters::LocalStage& stage) {
  auto writer = stage.open_writer(s.ctx);
  if (!writer) throw std::runtime_error(writer.error().message);
  const std::vector<adapters::Column> columns{{"id"},   {"event_time"}, {"user_id"},
                                              {"kind"}, {"amount"},     {"note"}};
  if (auto r = (*writer)->begin(columns); !r) throw std::runtime_error(r.error().message);
  static constexpr const char* kKinds[] = {"view", "click", "purchase", "refund"};
  std::string block;
  long in_block = 0;
  for (long i = 0; i < s.rows; ++i) {
    const auto at = s.window.start + std::chrono::microseconds(i * 3'600'000'000L / s.rows);
    block += std::to_string(i) + '\t' + date::format("%Y-%m-%d %H:%M:%S", at) + '\t' +
             std::to_string(i * 7919 % 1000) + '\t' + kKinds[i % 4] + '\t' +
             (i % 4 == 0 ? std::string("\\N") : std::to_string(i * 31 % 10000) + ".25") +
             "\tgenerated row " + std::to_string(i % 97) + '\n';
    if (++in_block, block.size() >= (1 << 20)) {
      if (auto r = (*writer)->copy_block(block, in_block); !r)
        throw std::runtime_error(r.error().message);
      block.clear();
      in_block = 0;
    }
  }
  if (in_block > 0) {
    if (auto r = (*writer)->copy_block(block, in_block); !r)
      throw std::runtime_error(r.error().message);
  }
  if (auto r = (*writer)->end(); !r) throw std::runtime_error(r.error().message);
  auto manifest = (*writer)->commit();
  if (!manifest) throw std::runtime_error(manifest.error().message);
  return stage.window_dir(s.ctx) / manifest->data_file;
}

LoadRun run_target(const Settings& s, adapters::LocalStage& stage) {
  maria_exec(s.maria, "TRUNCATE dst");
  const auto r = run_child([&] {
    LoadRun run;
    {
      auto target = my::make_target({s.maria, "dst", "event_time", {}});
      auto reader = stage.open_reader(s.ctx);
      const auto t0 = Clock::now();
      if (reader) {
        auto loaded = target->load(s.ctx, **reader);
        if (loaded) {
          run.rows = static_cast<long>(loaded->rows);
        } else {
          std::fprintf(stderr, "    [target: %s]\n", loaded.error().message.c_str());
        }
      }
      run.seconds = seconds_since(t0);
    }
    run.peak_rss_mib = peak_rss_mib();
    return run;
  });
  LoadRun out = r.value_or(LoadRun{});
  if (out.rows != s.rows || maria_count(s.maria) != s.rows)
    std::printf("    [target: %ld rows reported, %ld in the table, %ld expected]\n", out.rows,
                maria_count(s.maria), s.rows);
  return out;
}

// The same transaction by the client: the window deleted, the file loaded, committed.
LoadRun run_client(const Settings& s, const fs::path& file) {
  maria_exec(s.maria, "TRUNCATE dst");
  const std::string bounds = "event_time >= '" + date::format("%Y-%m-%d %H:%M:%S", s.window.start) +
                             "' AND event_time < '" +
                             date::format("%Y-%m-%d %H:%M:%S", s.window.end) + "'";
  const std::string script =
      "START TRANSACTION; DELETE FROM dst WHERE " + bounds + "; LOAD DATA LOCAL INFILE '" +
      file.string() +
      "' INTO TABLE dst CHARACTER SET utf8mb4 FIELDS TERMINATED BY X'09' ESCAPED BY X'5C' LINES "
      "TERMINATED BY X'0A' (" +
      kColumns + "); COMMIT";
  const auto r = run_timed({"mariadb", "--no-defaults", "--local-infile=1", "-h", s.maria.host,
                            "-P", std::to_string(s.maria.port), "-u", s.maria.user,
                            "-p" + s.maria.password, s.maria.database, "-e", script});
  LoadRun out{.seconds = r.seconds,
              .rows = r.ok ? maria_count(s.maria) : -1,
              .peak_rss_mib = r.peak_rss_mib};
  if (!r.ok || out.rows != s.rows)
    std::printf("    [client: %s, %ld rows in the table, %ld expected]\n", r.ok ? "ok" : "failed",
                out.rows, s.rows);
  return out;
}

}  // namespace

int main() {
  init_bench_logging();
  const std::string url = env_or("SLUICE_BENCH_MYSQL_URL", "");
  if (url.empty()) {
    std::printf(
        "g6_mysql_target: skipped (SLUICE_BENCH_MYSQL_URL is not set; "
        "tests/bench/g6_mysql_target_bench.sh sets it)\n");
    return 0;
  }
  auto parsed = my::parse_url(url);
  if (!parsed) {
    std::printf("g6_mysql_target: %s\n", parsed.error().message.c_str());
    return 1;
  }
  Settings s;
  s.maria = *parsed;
  s.rows = env_number("SLUICE_BENCH_ROWS", 2'000'000);
  s.repeats = static_cast<int>(env_number("SLUICE_BENCH_REPEATS", 3));
  s.work = env_or("SLUICE_BENCH_WORK_DIR", fs::temp_directory_path() / "sluice-bench");
  try {
    auto server = s.maria;
    server.database.clear();
    maria_exec(server, std::string("DROP DATABASE IF EXISTS ") + kDatabase);
    maria_exec(server, std::string("CREATE DATABASE ") + kDatabase + " CHARACTER SET utf8mb4");
    s.maria.database = kDatabase;
    maria_exec(s.maria,
               "CREATE TABLE dst (id BIGINT, event_time DATETIME(6) NOT NULL, user_id INT, kind "
               "VARCHAR(16), amount DECIMAL(12,2), note VARCHAR(64), KEY (event_time)) "
               "CHARACTER SET utf8mb4");
    fs::remove_all(s.work / "target-stage");
    adapters::LocalStage stage(s.work / "target-stage");
    const auto t0 = Clock::now();
    const fs::path file = write_stage(s, stage);
    std::printf("setup: a stage file of %ld rows (%.0f MB) in %.0f s\n", s.rows,
                static_cast<double>(fs::file_size(file)) / 1e6, seconds_since(t0));
    std::vector<double> ours_rss, theirs_rss;
    const auto paired = run_paired(
        s.repeats,
        [&] {
          const auto r = run_target(s, stage);
          ours_rss.push_back(r.peak_rss_mib);
          return static_cast<double>(s.rows) / r.seconds;
        },
        [&] {
          const auto r = run_client(s, file);
          theirs_rss.push_back(r.peak_rss_mib);
          return static_cast<double>(s.rows) / r.seconds;
        });
    std::printf("stage file -> MariaDB, %ld rows in one window (one transaction each):\n", s.rows);
    std::printf("  sluice MariaDB target: %.0f rows/s median [%s], peak RSS %.0f MiB\n",
                median(paired.ours), list(paired.ours).c_str(), median(ours_rss));
    std::printf("  mariadb LOAD DATA LOCAL INFILE: %.0f rows/s median [%s], peak RSS %.0f MiB\n",
                median(paired.theirs), list(paired.theirs).c_str(), median(theirs_rss));
    paired.print("sluice / mariadb");
    if (env_or("SLUICE_BENCH_KEEP", "").empty())
      maria_exec(server, std::string("DROP DATABASE IF EXISTS ") + kDatabase);
  } catch (const std::exception& e) {
    std::printf("g6_mysql_target failed: %s\n", e.what());
    return 1;
  }
}
