// Control plane of the chain: windows carried from PENDING to their final status per second
// by the runner, against pgbench replaying the statements the chain sends for such a window
// (the sluice_claim_windows call and the fenced writes, produced by the product's own code) on the
// same server, the same schema and the same number of clients. Also the server's count of
// statements and commits per window. Printed, never asserted.
//
// Two kinds of window, both from the `generate` source at 0 rows into a PostgreSQL target:
//   empty  the target is empty too: pre-validation finds 0 = 0 and the record ends SKIPPED
//          (DESIGN.md: equal counts mean already loaded)
//   full   the target holds one stray row per window, so every task runs: the empty stage
//          file is written, the window is replaced (the stray row deleted), audited 0 = 0,
//          and the record ends SUCCESS
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>

#include "framework/adapters/generate/generate.hpp"
#include "framework/adapters/postgres/postgres.hpp"
#include "framework/adapters/stage_local/local_stage.hpp"
#include "framework/observe/log.hpp"
#include "framework/store/params.hpp"
#include "framework/store/records.hpp"
#include "framework/time/zone.hpp"
#include "tasks/runner.hpp"
#include "tasks/task.hpp"
#include "tests/bench/support/windows.hpp"

using namespace sluice;
using namespace sluice::bench;
namespace fs = std::filesystem;

namespace {

constexpr const char* kDatabase = "sluice_bench_control";

struct Scenario {
  const char* name;
  bool stray_rows;  // one row per window already in the target
  long windows;
};

struct Settings {
  std::string server;
  int workers;
  int repeats;
  fs::path stage;
};

struct Run {
  double seconds = 0;
  long windows = 0;
  ServerCounters counters;
  double rate() const { return static_cast<double>(windows) / seconds; }
};

std::string prepare_database(const Settings& s, const Scenario& sc) {
  const std::string url = fresh_database(s.server, kDatabase);
  sql(url,
      "CREATE TABLE dst (id bigint, event_time timestamptz NOT NULL, user_id int, kind text, "
      "amount int, note text);"
      "CREATE INDEX ON dst (event_time)");
  if (sc.stray_rows)
    sql(url,
        "INSERT INTO dst (id, event_time, note) SELECT -i, '2024-01-01T00:00:00Z'::timestamptz + "
        "i * interval '1 minute', 'stray' FROM generate_series(0, " +
            std::to_string(sc.windows - 1) + ") i");
  sql(url, "VACUUM ANALYZE dst");
  return url;
}

std::shared_ptr<tasks::PipelineRuntime> pipeline(const std::string& url, const Settings& s,
                                                 const Scenario& sc) {
  auto p = std::make_shared<tasks::PipelineRuntime>();
  p->id = PipelineId{"bench"};
  p->source_name = "generated";
  p->target_name = "bench_db";
  p->source = adapters::generate::make_source({0});
  p->target = adapters::postgres::make_target({url, "dst", "event_time"});
  fs::remove_all(s.stage);
  p->stage = std::make_shared<adapters::LocalStage>(s.stage);
  p->windows.granularity = *time::Granularity::parse("1m");
  p->windows.zone = time::utc_zone();
  p->windows.start = kStart;
  p->windows.end = kStart + std::chrono::minutes(sc.windows);
  p->max_active_windows = s.workers;
  return p;
}

void generate(const std::string& url, const tasks::PipelineRuntime& p, long expected) {
  tasks::RunnerOptions o;
  o.database_url = url;
  tasks::Runner runner(o, {std::make_shared<tasks::PipelineRuntime>(p)});
  auto created = runner.generate(kNow);
  if (!created || *created != expected)
    throw std::runtime_error("generating records failed: " +
                             (created ? std::to_string(*created) : created.error().message));
  sql(url, "VACUUM ANALYZE pipeline_records");
}

Run run_sluice(const Settings& s, const Scenario& sc) {
  const std::string url = prepare_database(s, sc);
  ServerStats stats(s.server, kDatabase);
  tasks::RunSummary summary;
  Run r;
  {
    auto p = pipeline(url, s, sc);
    generate(url, *p, sc.windows);
    tasks::RunnerOptions o;
    o.database_url = url;
    o.workers = s.workers;
    tasks::Runner runner(o, {p});
    stats.start();
    const auto t0 = Clock::now();
    summary = runner.drain();
    r.seconds = seconds_since(t0);
  }  // the pipeline's adapters close their connections: the server counts what they did
  r.windows = summary.finished();
  r.counters = stats.finish();
  if (summary.finished() != sc.windows || summary.store_errors || summary.failed)
    std::printf("    [sluice run: %ld of %ld windows finished, %ld failed, %ld store errors]\n",
                static_cast<long>(summary.finished()), sc.windows,
                static_cast<long>(summary.failed), static_cast<long>(summary.store_errors));
  return r;
}

// What the chain writes for such a window, from the task functions themselves, run once on
// the first window (outside the measurement), in the chain's order up to the final move.
std::vector<store::TaskWrite> chain_writes(const tasks::PipelineRuntime& p) {
  store::Record probe;
  probe.pipeline = p.id;
  probe.window = Window{kStart, kStart + std::chrono::minutes(1)};
  probe.run = RunId{"scheduled__probe"};
  const tasks::TaskContext ctx{probe, p, {probe.pipeline, probe.window, probe.run}, kNow};
  std::vector<store::TaskWrite> writes;
  tasks::StreamedLoad streamed;
  const std::vector<std::function<tasks::TaskResult()>> chain{
      [&] { return tasks::pre_validation(ctx); },
      [&] { return tasks::source_to_stage(ctx, &streamed); },
      [&] { return tasks::stage_to_target(ctx, &streamed); }, [&] { return tasks::audit(ctx); }};
  for (const auto& task : chain) {
    auto w = task();
    if (!w) throw std::runtime_error("probe task failed: " + w.error().message);
    writes.push_back(*w);
    if (w->move) break;
  }
  (void)p.stage->remove(ctx.window);
  return writes;
}

// One line of pgbench script for `s`: $1, $2... become pgbench variables (set with -D, so
// any text passes unchanged) or NULL, per `name_of`.
template <class NameOf>
std::string script_line(const store::Statement& s, NameOf name_of,
                        std::vector<std::string>& defines) {
  static const std::regex param(R"(\$(\d+))");
  std::string out;
  auto begin = std::sregex_iterator(s.sql.begin(), s.sql.end(), param);
  std::size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    const std::size_t n = std::stoul((*it)[1]);
    out += s.sql.substr(last, static_cast<std::size_t>(it->position()) - last);
    last = static_cast<std::size_t>(it->position() + it->length());
    const auto& value = s.params.at(n - 1);
    const std::string var = name_of(n);
    if (var == "id" || var == "dag_run_id") {
      out += ":" + var;
    } else if (!value) {
      out += "NULL";
    } else {
      out += ":" + var;
      defines.push_back("-D");
      defines.push_back(var + "=" + *value);
    }
  }
  return out + s.sql.substr(last);
}

Run run_pgbench(const Settings& s, const Scenario& sc) {
  const std::string url = prepare_database(s, sc);
  std::vector<store::ClaimLimit> limits;
  std::vector<store::TaskWrite> writes;
  {
    auto p = pipeline(url, s, sc);
    generate(url, *p, sc.windows);
    writes = chain_writes(*p);
    limits.push_back({p->id, p->max_active_windows, p->max_active_backfill});
  }

  // The limits stored once, as a daemon stores them at its start; each claim then sends its
  // holder and their fingerprint, as the runner's claim does.
  {
    pqxx::connection c(url);
    pqxx::nontransaction tx(c);
    const auto stored = store::store_claim_limits_statement(limits, "bench:pgbench");
    store::exec_with(tx, stored.sql, stored.params);
  }
  std::vector<std::string> defines;
  std::string script = script_line(
                           store::claim_windows_statement(store::claim_limits_fingerprint(limits),
                                                          "bench:pgbench", 1),
                           [](std::size_t n) { return "c" + std::to_string(n); }, defines) +
                       " \\gset\n";
  store::Record placeholder;  // its id and run become :id and :dag_run_id from the claim
  for (std::size_t k = 0; k < writes.size(); ++k) {
    auto name_of = [k](std::size_t n) -> std::string {
      if (n == 1) return "id";
      if (n == 2) return "dag_run_id";
      return "w" + std::to_string(k) + "_" + std::to_string(n);
    };
    script += script_line(store::write_task_statement(placeholder, writes[k], "bench:pgbench"),
                          name_of, defines) +
              ";\n";
  }
  const fs::path file = s.stage.parent_path() / "control.pgbench";
  std::ofstream(file) << script;

  std::vector<std::string> argv{"pgbench", "-n",
                                "-M",      "prepared",
                                "-c",      std::to_string(s.workers),
                                "-j",      std::to_string(s.workers),
                                "-t",      std::to_string(sc.windows / s.workers),
                                "-f",      file.string()};
  argv.insert(argv.end(), defines.begin(), defines.end());
  argv.push_back(url);
  ServerStats stats(s.server, kDatabase);
  stats.start();
  const auto t0 = Clock::now();
  const auto result = run_process(argv);
  Run r{seconds_since(t0), sc.windows, {}};
  r.counters = stats.finish();
  const long done = scalar(
      url, "SELECT count(*) FROM pipeline_records WHERE pipeline_status IN ('SUCCESS', 'SKIPPED')");
  if (!result.ok || done != sc.windows)
    std::printf("    [pgbench %s, %ld of %ld windows finished]\n%s\n", result.ok ? "ok" : "failed",
                done, sc.windows, result.output.c_str());
  r.windows = done;
  return r;
}

void compare(const Settings& s, const Scenario& sc) {
  Run last_sluice, last_pgbench;
  const Paired runs = run_paired(
      s.repeats, [&] { return (last_sluice = run_sluice(s, sc)).rate(); },
      [&] { return (last_pgbench = run_pgbench(s, sc)).rate(); });
  const double w = static_cast<double>(sc.windows);
  std::printf("control plane, %s windows (%ld windows, %d workers/clients, median of %d):\n",
              sc.name, sc.windows, s.workers, s.repeats);
  std::printf("  sluice : %7.0f windows/s  [%s]  %.2f statements, %.2f commits per window\n",
              median(runs.ours), list(runs.ours).c_str(), last_sluice.counters.statements / w,
              last_sluice.counters.commits / w);
  print_statements(last_sluice.counters, w);
  std::printf("  pgbench: %7.0f windows/s  [%s]  %.2f statements, %.2f commits per window\n",
              median(runs.theirs), list(runs.theirs).c_str(), last_pgbench.counters.statements / w,
              last_pgbench.counters.commits / w);
  print_statements(last_pgbench.counters, w);
  // G7 asks 1.0 of the empty windows (batched claims should beat single statements); the
  // full chain, whose data statements pgbench does not replay, keeps F3's 0.8.
  runs.print("sluice/pgbench", sc.stray_rows ? 0.8 : 1.0);
}

}  // namespace

int main() {
  init_bench_logging();
  Settings s;
  s.server = server_url_or_skip("f3_control");
  s.workers = static_cast<int>(env_number("SLUICE_BENCH_WORKERS", 4));
  s.repeats = static_cast<int>(env_number("SLUICE_BENCH_REPEATS", 5));
  const fs::path work = env_or("SLUICE_BENCH_WORK_DIR", fs::temp_directory_path() / "sluice-bench");
  s.stage = work / "control-stage";
  fs::create_directories(work);
  const long windows = env_number("SLUICE_BENCH_WINDOWS", 1200);
  try {
    compare(s, Scenario{"empty (SKIPPED after pre-validation)", false,
                        windows / s.workers * s.workers});
    compare(s, Scenario{"full-chain (SUCCESS, every task runs)", true,
                        windows / 4 / s.workers * s.workers});
    sql(s.server, std::string("DROP DATABASE IF EXISTS ") + kDatabase + " WITH (FORCE)");
  } catch (const std::exception& e) {
    std::printf("f3_control failed: %s\n", e.what());
    return 1;
  }
}
