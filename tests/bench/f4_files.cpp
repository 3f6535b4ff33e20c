// Files data path: one large .csv.zst window file -> local stage -> PostgreSQL by the runner
// (pre-validation, extract streamed into the stage and the target's COPY, audit counting the
// file again), against `zstd -dc file | psql -c "\copy dst from stdin csv header"` loading
// the same file into the same table. Each sluice run is a child process, so its peak RSS is
// the worker's own. Printed, never asserted.
#include <cstdio>
#include <filesystem>

#include "framework/adapters/file/file.hpp"
#include "framework/adapters/formats/csv.hpp"
#include "framework/adapters/formats/zstd_stream.hpp"
#include "framework/adapters/postgres/postgres.hpp"
#include "framework/adapters/stage_local/local_stage.hpp"
#include "framework/observe/log.hpp"
#include "framework/time/zone.hpp"
#include "tasks/runner.hpp"
#include "tests/bench/support/windows.hpp"

using namespace sluice;
using namespace sluice::bench;
namespace fs = std::filesystem;

namespace {

constexpr const char* kDatabase = "sluice_bench_files";
constexpr const char* kColumns = "id, event_time, user_id, kind, amount, note";

struct Settings {
  std::string url;
  fs::path work;
  long rows = 0;
  int repeats = 3;
  std::int64_t csv_bytes = 0;
};

const Window kWindow{kStart, kStart + std::chrono::hours(1)};

// The window's file, written with sluice's own encoder and zstd layer (level 3, as the zstd
// tool's default): NULLs, quoted values with commas and quotes.
std::int64_t write_file(const Settings& s) {
  adapters::PosixFile file;
  if (!file.create(s.work / "events.csv.zst")) throw std::runtime_error("cannot create the file");
  adapters::formats::FileByteSink out(file);
  adapters::formats::ZstdCompressSink zstd(out, 3);
  adapters::formats::CsvEncoder encoder({});
  std::string text;
  const std::vector<adapters::Column> columns{{"id"},   {"event_time"}, {"user_id"},
                                              {"kind"}, {"amount"},     {"note"}};
  encoder.begin(text, columns);
  static const char* kinds[] = {"view", "click", "purchase", "refund"};
  std::int64_t bytes = 0;
  for (long i = 0; i < s.rows; ++i) {
    const auto t = kWindow.start + std::chrono::microseconds(i * 3'600'000'000LL / s.rows);
    const std::string id = std::to_string(i), time = date::format("%FT%TZ", t),
                      user = std::to_string(i * 7919 % 1000),
                      amount = std::to_string(i * 31 % 10000),
                      note = i % 10 == 0 ? "quoted, \"row\" " + std::to_string(i % 97)
                                         : "generated row " + std::to_string(i % 97);
    const std::vector<adapters::Field> row{
        id,  time, user, kinds[i % 4], i % 4 >= 2 ? adapters::Field(amount) : adapters::Field(),
        note};
    encoder.row(text, row);
    if (text.size() > (1 << 20) || i + 1 == s.rows) {
      bytes += static_cast<std::int64_t>(text.size());
      if (!zstd.write(text)) throw std::runtime_error("cannot write the file");
      text.clear();
    }
  }
  if (!zstd.finish() || !file.sync_and_close()) throw std::runtime_error("cannot finish the file");
  return bytes;
}

void reset_target(const Settings& s) {
  sql(s.url, "TRUNCATE dst");
  sql(s.url, "CHECKPOINT");
}

std::shared_ptr<tasks::PipelineRuntime> pipeline(const Settings& s, const std::string& id) {
  auto p = std::make_shared<tasks::PipelineRuntime>();
  p->id = PipelineId{id};
  p->source_name = "files";
  p->target_name = "bench_dst";
  adapters::file::FileOptions o;
  o.root = s.work;
  o.path = *time::FieldTemplate::parse("events.csv.zst");
  p->source = adapters::file::make_source(o);
  p->target = adapters::postgres::make_target({s.url, "dst", "event_time"});
  p->stage = std::make_shared<adapters::LocalStage>(s.work / "stage");
  p->windows.granularity = *time::Granularity::parse("1h");
  p->windows.zone = time::utc_zone();
  p->windows.start = kWindow.start;
  p->windows.end = kWindow.end;
  return p;
}

WindowRun run_sluice(const Settings& s, const std::string& id) {
  reset_target(s);
  const WindowRun r = run_in_child(s.url, pipeline(s, id));
  const long loaded = scalar(s.url, "SELECT count(*) FROM dst");
  if (r.rows != s.rows || loaded != s.rows)
    std::printf("    [sluice run %s: %ld rows reported, %ld in the target, %ld expected]\n",
                id.c_str(), r.rows, loaded, s.rows);
  return r;
}

WindowRun run_zstd_psql(const Settings& s) {
  reset_target(s);
  const std::vector<std::string> out{"zstd", "-q", "-dc", (s.work / "events.csv.zst").string()};
  const std::vector<std::string> in{
      "psql",
      "-X",
      "-q",
      "-v",
      "ON_ERROR_STOP=1",
      "-d",
      s.url,
      "-c",
      std::string("\\copy dst (") + kColumns + ") from stdin csv header"};
  const auto t0 = Clock::now();
  const bool ok = run_pipe(out, in);
  WindowRun r{seconds_since(t0), scalar(s.url, "SELECT count(*) FROM dst"), 0};
  if (!ok || r.rows != s.rows)
    std::printf("    [zstd | psql: %s, %ld rows in the target, %ld expected]\n",
                ok ? "ok" : "failed", r.rows, s.rows);
  return r;
}

}  // namespace

int main() {
  init_bench_logging();
  Settings s;
  const std::string server = server_url_or_skip("f4_files");
  s.repeats = static_cast<int>(env_number("SLUICE_BENCH_REPEATS", 3));
  s.rows = env_number("SLUICE_BENCH_ROWS", 5'000'000);
  s.work = fs::path(env_or("SLUICE_BENCH_WORK_DIR", fs::temp_directory_path() / "sluice-bench")) /
           "files";
  fs::remove_all(s.work);
  fs::create_directories(s.work / "stage");
  try {
    s.url = fresh_database(server, kDatabase);
    sql(s.url,
        "CREATE TABLE dst (id bigint, event_time timestamptz NOT NULL, user_id int, kind text, "
        "amount int, "
        "note text); CREATE INDEX ON dst (event_time)");
    auto t0 = Clock::now();
    s.csv_bytes = write_file(s);
    const double zst = static_cast<double>(fs::file_size(s.work / "events.csv.zst"));
    std::printf("files setup: %ld rows, %.0f MB of CSV, %.0f MB as .csv.zst, written in %.0f s\n",
                s.rows, static_cast<double>(s.csv_bytes) / 1e6, zst / 1e6, seconds_since(t0));
    std::vector<double> rss;
    const double rows = static_cast<double>(s.rows);
    const Paired runs = run_paired(
        s.repeats,
        [&] {
          const WindowRun r = run_sluice(s, "files_" + std::to_string(rss.size()));
          rss.push_back(r.peak_rss_mib);
          return rows / r.seconds;
        },
        [&] { return rows / run_zstd_psql(s).seconds; });
    const double mb_per_row = static_cast<double>(s.csv_bytes) / rows / 1e6;
    const double ours = median(runs.ours), theirs = median(runs.theirs);
    std::printf(
        "files -> stage -> PostgreSQL, one window of %ld rows, median of %d (MB/s of CSV):\n",
        s.rows, s.repeats);
    std::printf(
        "  sluice      : %8.0f rows/s  %6.1f MB/s  [%s]  peak RSS %.1f MiB [%s] (target <= 64)\n",
        ours, ours * mb_per_row, list(runs.ours).c_str(), *std::max_element(rss.begin(), rss.end()),
        list(rss, 1).c_str());
    std::printf("  zstd | psql : %8.0f rows/s  %6.1f MB/s  [%s]\n", theirs, theirs * mb_per_row,
                list(runs.theirs).c_str());
    runs.print("sluice/(zstd|psql)");
    if (env_or("SLUICE_BENCH_KEEP", "").empty())
      sql(server, std::string("DROP DATABASE IF EXISTS ") + kDatabase + " WITH (FORCE)");
  } catch (const std::exception& e) {
    std::printf("f4_files failed: %s\n", e.what());
    return 1;
  }
  fs::remove_all(s.work);
}
