// HTTP JSON API -> PostgreSQL: one large window served by a local server in pages of JSON,
// moved by the runner (pre-validation count endpoint, extract page by page to the stage, load,
// audit), against `curl` fetching the same rows as pre-rendered CSV pages piped into
// `psql \copy` (the plain tools doing the transfer with no JSON to parse). sluice runs in a
// child process, so its peak RSS is the worker's alone, shown at two window sizes. Printed,
// never asserted.
#include <cstdio>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "framework/adapters/http/source.hpp"
#include "framework/adapters/postgres/postgres.hpp"
#include "framework/adapters/stage_local/local_stage.hpp"
#include "framework/observe/log.hpp"
#include "tasks/runner.hpp"
#include "tests/bench/support/windows.hpp"
#include "tests/support/http_test_server.hpp"

using namespace sluice;
using namespace sluice::bench;
namespace fs = std::filesystem;

namespace {

constexpr const char* kDatabase = "sluice_bench_http";
constexpr long kPageRows = 10'000;

// Every page of the window as the API serves it (JSON) and as the baseline fetches it (CSV).
struct Pages {
  std::vector<std::string> json, csv;
  double json_bytes = 0;
};

Pages render(long rows, Instant start) {
  static const char* kinds[] = {"view", "click", "purchase", "refund"};
  Pages p;
  for (long first = 0; first < rows; first += kPageRows) {
    nlohmann::json items = nlohmann::json::array();
    std::string csv;
    for (long i = first; i < std::min(rows, first + kPageRows); ++i) {
      const auto at = start + std::chrono::seconds(3600 * i / rows);
      const std::string t = date::format("%FT%TZ", at);
      nlohmann::json amount = i % 4 >= 2 ? nlohmann::json((i * 31) % 10000) : nlohmann::json();
      items.push_back({{"id", i},
                       {"time", t},
                       {"user", {{"id", (i * 7919) % 1000}}},
                       {"kind", kinds[i % 4]},
                       {"amount", amount},
                       {"note", "generated row " + std::to_string(i % 97)}});
      csv += std::to_string(i) + "," + t + "," + std::to_string((i * 7919) % 1000) + "," +
             kinds[i % 4] + "," + (i % 4 >= 2 ? std::to_string((i * 31) % 10000) : "") +
             ",generated row " + std::to_string(i % 97) + "\n";
    }
    const std::size_t next = static_cast<std::size_t>(first / kPageRows) + 2;
    const bool last = first + kPageRows >= rows;
    p.json.push_back(nlohmann::json{{"items", std::move(items)},
                                    {"next", last ? nlohmann::json() : nlohmann::json(next)}}
                         .dump());
    p.json_bytes += static_cast<double>(p.json.back().size());
    p.csv.push_back(std::move(csv));
  }
  return p;
}

test::HttpResponse serve(const Pages& pages, long rows, const test::HttpRequest& r) {
  if (r.path == "/count") return test::HttpResponse::json(nlohmann::json{{"count", rows}}.dump());
  const std::size_t page = std::stoul(r.param("page", "1")) - 1;
  if (page >= pages.json.size()) return test::HttpResponse::json(R"({"items": []})");
  if (r.path == "/csv") {
    auto out = test::HttpResponse::json(pages.csv[page]);
    out.content_type = "text/csv";
    return out;
  }
  return test::HttpResponse::json(pages.json[page]);
}

struct Run {
  double seconds = 0;
  long rows = 0;
  double peak_rss_mib = 0;
};

std::shared_ptr<tasks::PipelineRuntime> pipeline(const std::string& db, const std::string& base,
                                                 const fs::path& stage, const std::string& id) {
  adapters::http::SourceOptions o;
  o.client.base_url = config::Secret::literal(base, config::Secrecy::url);
  o.path = *time::FieldTemplate::parse("/events?from={window_start:%FT%TZ}");
  o.records_pointer = "/items";
  o.columns = {{"id", "/id"},     {"event_time", "/time"}, {"user_id", "/user/id"},
               {"kind", "/kind"}, {"amount", "/amount"},   {"note", "/note"}};
  o.pagination.type = adapters::http::PaginationType::page;
  o.pagination.page_size = kPageRows;
  o.count_path = *time::FieldTemplate::parse("/count");
  auto p = std::make_shared<tasks::PipelineRuntime>();
  p->id = PipelineId{id};
  p->source_name = "bench_api";
  p->target_name = "bench_dst";
  p->source = std::move(*adapters::http::make_source(std::move(o)));
  p->target = adapters::postgres::make_target({db, "dst", "event_time"});
  p->stage = std::make_shared<adapters::LocalStage>(stage);
  p->windows.granularity = *time::Granularity::parse("1h");
  p->windows.zone = time::utc_zone();
  p->windows.start = kStart;
  p->windows.end = kStart + std::chrono::hours(1);
  return p;
}

Run run_sluice(const std::string& db, const std::string& base, const fs::path& stage,
               const std::string& id) {
  sql(db, "TRUNCATE dst");
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    Run r;
    {
      tasks::RunnerOptions o;
      o.database_url = db;
      o.workers = 1;
      tasks::Runner runner(o, {pipeline(db, base, stage, id)});
      if (runner.generate(kNow)) {
        const auto t0 = Clock::now();
        const auto summary = runner.drain();
        r.seconds = seconds_since(t0);
        r.rows = summary.success == 1 ? static_cast<long>(summary.rows) : -1;
      }
    }
    r.peak_rss_mib = peak_rss_mib();
    (void)!write(fds[1], &r, sizeof r);
    _exit(0);
  }
  close(fds[1]);
  Run r;
  if (read(fds[0], &r, sizeof r) != sizeof r) r.rows = -1;
  close(fds[0]);
  waitpid(pid, nullptr, 0);
  return r;
}

Run run_curl_pipe(const std::string& db, const std::string& base, std::size_t pages) {
  sql(db, "TRUNCATE dst");
  std::vector<std::string> curl{"curl", "-sS", "--fail"};
  for (std::size_t i = 1; i <= pages; ++i) curl.push_back(base + "/csv?page=" + std::to_string(i));
  const std::vector<std::string> psql{"psql",
                                      "-X",
                                      "-q",
                                      "-v",
                                      "ON_ERROR_STOP=1",
                                      "-d",
                                      db,
                                      "-c",
                                      "\\copy dst from stdin (format csv)"};
  const auto t0 = Clock::now();
  const bool ok = run_pipe(curl, psql);
  Run r{seconds_since(t0), static_cast<long>(scalar(db, "SELECT count(*) FROM dst")), 0};
  if (!ok) std::printf("    [curl | psql failed]\n");
  return r;
}

// The API in a process of its own, so that the pages it holds count in no sluice worker's
// RSS. It serves until the returned descriptor is closed.
struct ApiProcess {
  pid_t pid = -1;
  int control = -1;
  std::string base_url;
  std::size_t pages = 0;
  double json_bytes = 0;
};

ApiProcess start_api(long rows) {
  int info[2], control[2];
  if (pipe(info) != 0 || pipe(control) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = fork();
  if (pid == 0) {
    close(info[0]);
    close(control[1]);
    const Pages pages = render(rows, kStart);
    test::HttpTestServer server([&](const test::HttpRequest& r) { return serve(pages, rows, r); });
    const double numbers[3] = {static_cast<double>(server.port()),
                               static_cast<double>(pages.json.size()), pages.json_bytes};
    (void)!write(info[1], numbers, sizeof numbers);
    char c;
    (void)!read(control[0], &c, 1);  // returns when the parent closes its end
    _exit(0);
  }
  close(info[1]);
  close(control[0]);
  double numbers[3] = {0, 0, 0};
  if (read(info[0], numbers, sizeof numbers) != sizeof numbers)
    throw std::runtime_error("the API process did not start");
  close(info[0]);
  return {pid, control[1], "http://127.0.0.1:" + std::to_string(static_cast<int>(numbers[0])),
          static_cast<std::size_t>(numbers[1]), numbers[2]};
}

void compare(const std::string& db, const fs::path& stage, long rows, int repeats) {
  const ApiProcess api = start_api(rows);
  std::vector<double> rss;
  int n = 0;
  const Paired runs = run_paired(
      repeats,
      [&] {
        const Run r = run_sluice(db, api.base_url, stage,
                                 "http_" + std::to_string(rows) + "_" + std::to_string(n++));
        if (r.rows != rows) std::printf("    [sluice: %ld rows, %ld expected]\n", r.rows, rows);
        rss.push_back(r.peak_rss_mib);
        return static_cast<double>(rows) / r.seconds;
      },
      [&] {
        const Run r = run_curl_pipe(db, api.base_url, api.pages);
        if (r.rows != rows)
          std::printf("    [curl | psql: %ld rows, %ld expected]\n", r.rows, rows);
        return static_cast<double>(rows) / r.seconds;
      });
  const double mb_per_row = api.json_bytes / static_cast<double>(rows) / 1e6;
  const double ours = median(runs.ours), theirs = median(runs.theirs);
  std::printf(
      "HTTP API -> PostgreSQL, one window of %ld rows in pages of %ld (%.0f MB of JSON), "
      "median of %d:\n",
      rows, kPageRows, api.json_bytes / 1e6, repeats);
  std::printf(
      "  sluice     : %8.0f rows/s  %6.1f MB/s of JSON  [%s]  peak RSS %.1f MiB [%s] "
      "(target <= 64)\n",
      ours, ours * mb_per_row, list(runs.ours).c_str(), *std::max_element(rss.begin(), rss.end()),
      list(rss, 1).c_str());
  std::printf("  curl | psql: %8.0f rows/s  (CSV pages, no JSON)  [%s]\n", theirs,
              list(runs.theirs).c_str());
  runs.print("sluice/curl");
  close(api.control);
  waitpid(api.pid, nullptr, 0);
}

}  // namespace

int main() {
  init_bench_logging();
  const std::string server = server_url_or_skip("f4_http");
  const int repeats = static_cast<int>(env_number("SLUICE_BENCH_REPEATS", 3));
  const fs::path stage =
      fs::path(env_or("SLUICE_BENCH_WORK_DIR", fs::temp_directory_path() / "sluice-bench")) /
      "http-stage";
  fs::remove_all(stage);
  fs::create_directories(stage);
  try {
    const std::string db = fresh_database(server, kDatabase);
    sql(db,
        "CREATE TABLE dst (id bigint, event_time timestamptz NOT NULL, user_id int, "
        "kind text, amount int, note text); CREATE INDEX ON dst (event_time)");
    compare(db, stage, env_number("SLUICE_BENCH_HTTP_SMALL_ROWS", 100'000), repeats);
    compare(db, stage, env_number("SLUICE_BENCH_HTTP_ROWS", 1'000'000), repeats);
    if (env_or("SLUICE_BENCH_KEEP", "").empty())
      sql(server, std::string("DROP DATABASE IF EXISTS ") + kDatabase + " WITH (FORCE)");
  } catch (const std::exception& e) {
    std::printf("f4_http failed: %s\n", e.what());
    return 1;
  }
}
