// One point of the scale benchmark (tests/bench/scale_bench.sh runs it at each scale): a
// fleet of PIPELINES pipeline files in DIR and RECORDS records in a fresh database, then what
// the database side costs at that size. Prints `FIG name value` lines for the script's
// table, the rest for people; writes DIR/point.env (ids and ranges for the commands the
// script times). Printed, never asserted; exits 1 only when something broke.
//
//   bench_scale DIR RECORDS PIPELINES HTTP_PORT
//
// Knobs: SLUICE_BENCH_DATABASE_URL (a server where databases can be made), SLUICE_SCALE_SECONDS
// (5: each claim run), SLUICE_SCALE_REPEATS (3: runs per figure, the median is printed),
// SLUICE_SCALE_CLAIMERS ("1 4 8": claimer processes), SLUICE_SCALE_FIGURE_SECONDS (60: no
// further run of a figure once its runs took this long), SLUICE_SCALE_DATABASE (sluice_scale:
// the database made afresh), SLUICE_SCALE_SEED_ONLY (1: seed, check and size the database,
// measure nothing else; for looking at plans by hand).
#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>
#include <thread>

#include <date/date.h>

#include "framework/config/load.hpp"
#include "framework/config/show.hpp"
#include "framework/store/registry.hpp"
#include "framework/time/window_generator.hpp"
#include "framework/time/zone.hpp"
#include "tasks/dependencies.hpp"
#include "tasks/runner.hpp"
#include "tasks/runtime_from_config.hpp"
#include "tests/bench/scale/claims.hpp"
#include "tests/bench/scale/fleet.hpp"
#include "tests/bench/scale/queries.hpp"
#include "tests/bench/scale/seed.hpp"

using namespace sluice;
using namespace sluice::bench;
namespace fs = std::filesystem;

namespace {

constexpr const char* kProbe = "p00004";  // hourly, with a backlog, a retry waiting, failures

void figure(const std::string& name, double value) {
  std::printf("FIG %s %.6g\n", name.c_str(), value);
  std::fflush(stdout);
}

std::string utc_text(Instant t) {
  return date::format("%FT%TZ", t);
}

struct Fleet {
  config::Config config;
  tasks::Runtimes runtimes;  // in pipeline order (p00000, p00001...)
};

// The pipeline files as sluiced loads them (failure isolation), and their runtimes.
Fleet load_fleet(const fs::path& dir, long pipelines) {
  const auto t0 = Clock::now();
  auto loaded = config::load_config_isolating(dir / "sluice.yaml");
  if (!loaded) {
    for (const auto& d : loaded.error()) std::fprintf(stderr, "%s\n", to_string(d).c_str());
    throw std::runtime_error("the fleet's config does not load");
  }
  if (!loaded->quarantined.empty())
    throw std::runtime_error("quarantined: " + config::config_error_text(loaded->quarantined[0]));
  Fleet f{std::move(*loaded), {}};
  f.runtimes = tasks::runtimes_from_config(f.config);
  std::sort(f.runtimes.begin(), f.runtimes.end(),
            [](const auto& a, const auto& b) { return a->id.value < b->id.value; });
  if (static_cast<long>(f.runtimes.size()) != pipelines)
    throw std::runtime_error("only " + std::to_string(f.runtimes.size()) + " pipelines can run");
  figure("config_load_s", seconds_since(t0));
  return f;
}

// Each pipeline's windows end one window before the last one due at `now`.
std::vector<scale::SeedPipeline> seed_pipelines(const Fleet& f, const scale::Plan& plan,
                                                Instant now) {
  std::vector<scale::SeedPipeline> out;
  for (int p = 0; p < plan.pipelines; ++p) {
    const auto& spec = f.runtimes[static_cast<std::size_t>(p)]->windows;
    const auto& g = scale::granularity_of(p);
    const Instant due_end = time::floor_boundary(spec, now - Seconds{g.lag_seconds});
    const Instant last_end = time::floor_boundary(spec, due_end - Seconds{1});
    out.push_back({p, scale::pipeline_id(p), scale::zone_of(p), g.seconds, g.text, g.lag_seconds,
                   plan.windows[static_cast<std::size_t>(p)],
                   date::format("%F %T", time::to_local(spec.zone, last_end))});
  }
  return out;
}

// One session of the seed: its temporary tables (the fleet's windows), then `statements`.
std::string seed_session(const std::string& url, const std::string& parameters,
                         const std::vector<std::pair<std::string, std::string>>& statements) {
  auto c = connect(url);
  pqxx::nontransaction tx(*c);
  tx.exec(
      "SET session_replication_role = replica; SET synchronous_commit = off; SET jit = off; "
      "SET work_mem = '256MB'; SET maintenance_work_mem = '512MB'");
  tx.exec(parameters);
  tx.exec(scale::kClassWindows);
  std::string steps;
  for (const auto& [what, statement] : statements) {
    const auto t1 = Clock::now();
    tx.exec(statement);
    steps += fmt::format(" {} {:.1f} s;", what, seconds_since(t1));
  }
  return steps;
}

// The history in two sessions at once (half of the pipelines each), then the live part.
void seed(const std::string& url, const Fleet& f, const scale::Plan& plan, Instant now) {
  const auto t0 = Clock::now();
  const std::string at = utc_text(now);
  const std::string parameters = scale::seed_parameters(seed_pipelines(f, plan, now));
  std::string other, failure;
  std::thread second([&] {
    try {
      other = seed_session(url, parameters, {{"history, odd", scale::history_insert(at, 1, 2)}});
    } catch (const std::exception& e) {
      failure = e.what();
    }
  });
  std::string steps;
  try {
    steps = seed_session(url, parameters,
                         {{"history, even", scale::history_insert(at, 0, 2)},
                          {"live", scale::live_insert(at)},
                          {"requests", scale::requests_insert(at)}});
  } catch (...) {
    second.join();
    throw;
  }
  second.join();
  if (!failure.empty()) throw std::runtime_error(failure);
  std::printf("   seed:%s%s\n", steps.c_str(), other.c_str());
  auto c = connect(url);
  // What every daemon registers at start (store::register_pipelines, as sluiced does).
  std::vector<store::PipelineRegistration> list;
  for (const auto& p : f.config.pipelines)
    list.push_back({p.id.value, config::pipeline_config_hash(p), p.stale_threshold.fixed, {}});
  if (auto r = store::register_pipelines(*c, list, "scale-daemon:1"); !r)
    throw std::runtime_error(r.error().message);
  if (auto r = tasks::register_dependencies(*c, f.config); !r)
    throw std::runtime_error(r.error().message);
  pqxx::nontransaction tx(*c);
  tx.exec(scale::kFinishSeed);
  const double inserted = seconds_since(t0);
  tx.exec("VACUUM ANALYZE");
  std::printf("   seeded in %.1f s, VACUUM ANALYZE %.1f s\n", inserted,
              seconds_since(t0) - inserted);
}

// The seeded windows of one pipeline of each granularity and zone against the product's
// window generator: the same windows, target days and time_interval.
void verify_windows(const std::string& url, const Fleet& f, long pipelines) {
  std::map<std::string, int> first_of_class;
  for (int p = 0; p < pipelines; ++p)
    first_of_class.try_emplace(std::string(scale::granularity_of(p).text) + scale::zone_of(p), p);
  long checked = 0;
  for (const auto& [cls, p] : first_of_class) {
    const auto& rt = *f.runtimes[static_cast<std::size_t>(p)];
    const auto rows = sql(url,
                          "SELECT extract(epoch FROM window_start_time)::bigint, "
                          "extract(epoch FROM window_end_time)::bigint, target_day::text, "
                          "time_interval FROM pipeline_records WHERE pipeline_id = '" +
                              rt.id.value + "' ORDER BY window_start_time");
    std::vector<Window> want;
    time::WindowRange range(rt.windows, Instant{Seconds{rows[0][0].as<long>()}},
                            Instant{Seconds{rows[rows.size() - 1][1].as<long>()}});
    while (auto w = range.next()) want.push_back(*w);
    const auto records = tasks::new_records(rt, want, Trigger::scheduled);
    bool same = want.size() == rows.size();
    for (std::size_t i = 0; same && i < want.size(); ++i)
      same = rows[i][0].as<long>() == want[i].start.time_since_epoch().count() &&
             rows[i][1].as<long>() == want[i].end.time_since_epoch().count() &&
             rows[i][2].as<std::string>() ==
                 date::format("%F", date::sys_days(records[i].target_day)) &&
             rows[i][3].as<std::string>() == records[i].time_interval;
    if (!same)
      throw std::runtime_error("the seeded windows of " + rt.id.value +
                               " differ from the product's window generator (" + cls + ")");
    checked += static_cast<long>(rows.size());
  }
  std::printf("   windows checked against the window generator: %zu pipelines, %ld windows\n",
              first_of_class.size(), checked);
}

void measure_sizes(const std::string& url) {
  const auto s = scale::table_sizes(url);
  const double millions = static_cast<double>(s.records) / 1e6;
  constexpr double kMiB = 1024.0 * 1024.0;
  figure("records", static_cast<double>(s.records));
  figure("size_table_mib_per_m", static_cast<double>(s.table) / kMiB / millions);
  figure("size_indexes_mib_per_m", static_cast<double>(s.indexes) / kMiB / millions);
  figure("size_total_mib", static_cast<double>(s.total) / kMiB);
  std::printf("   indexes:");
  for (const auto& [name, bytes] : s.per_index)
    std::printf(" %s %.1f MiB;", name.c_str(), static_cast<double>(bytes) / kMiB);
  std::printf("\n");
}

void measure_claims(const std::string& url, const tasks::Runtimes& runtimes, double seconds,
                    int repeats) {
  const auto limits = tasks::claim_limits(runtimes);  // made once, as sluiced makes them
  std::istringstream claimers(env_or("SLUICE_SCALE_CLAIMERS", "1 4 8"));
  for (int n; claimers >> n;) {
    std::vector<double> rate, p50, p99;
    long empty = 0, failed = 0;
    for (int i = 0; i < repeats; ++i) {
      const auto r = scale::run_claimers(url, limits, n, seconds);
      rate.push_back(r.per_second);
      p50.push_back(r.p50_ms);
      p99.push_back(r.p99_ms);
      empty += r.empty;
      failed += r.failed;
    }
    const std::string key = "claim" + std::to_string(n);
    figure(key + "_per_s", median(rate));
    figure(key + "_p50_ms", median(p50));
    figure(key + "_p99_ms", median(p99));
    std::printf("   %d claimer(s): claims/s [%s], p99 ms [%s], empty claims %ld, errors %ld\n", n,
                list(rate).c_str(), list(p99, 2).c_str(), empty, failed);
    if (failed > 0) throw std::runtime_error("claims failed");
  }
}

void write_point_env(const fs::path& dir, const std::string& url, const scale::Plan& plan,
                     Instant now) {
  const auto mid =
      date::floor<date::days>(now - std::chrono::duration_cast<Seconds>(
                                        std::chrono::duration<double>(plan.span_days * 86400 / 2)));
  const auto id = scalar(url, std::string("SELECT id FROM pipeline_records WHERE pipeline_id = '") +
                                  kProbe + "' ORDER BY window_start_time OFFSET 3 LIMIT 1");
  std::ofstream(dir / "point.env") << "SCALE_PIPELINE=" << kProbe << "\nSCALE_RECORD_ID=" << id
                                   << "\nSCALE_FROM=" << utc_text(Instant{mid})
                                   << "\nSCALE_TO=" << utc_text(Instant{mid + date::days{1}})
                                   << "\nSCALE_TAG=" << scale::team_of(3) << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  init_bench_logging();
  if (argc != 5) {
    std::fprintf(stderr, "usage: bench_scale DIR RECORDS PIPELINES HTTP_PORT\n");
    return 2;
  }
  const std::string server = server_url_or_skip("scale");
  const fs::path dir = argv[1];
  const long records = std::stol(argv[2]), pipelines = std::stol(argv[3]);
  const double seconds = std::stod(env_or("SLUICE_SCALE_SECONDS", "5"));
  const int repeats = static_cast<int>(env_number("SLUICE_SCALE_REPEATS", 3));
  const scale::Runs runs{repeats, std::stod(env_or("SLUICE_SCALE_FIGURE_SECONDS", "60"))};
  setenv("SLUICE_SCALE_VIEWER_TOKEN", "scale-viewer-token-0123456789", 0);
  setenv("SLUICE_SCALE_ADMIN_TOKEN", "scale-admin-token-0123456789", 0);
  try {
    const std::string url = fresh_database(server, env_or("SLUICE_SCALE_DATABASE", "sluice_scale"));
    setenv("SLUICE_DATABASE_URL", url.c_str(), 1);
    const auto plan = scale::plan(records, pipelines);
    scale::write_fleet(dir, pipelines, std::stoi(argv[4]));
    const auto fleet = load_fleet(dir, pipelines);
    const Instant now = std::chrono::floor<std::chrono::minutes>(std::chrono::system_clock::now());
    std::printf("   %ld pipelines over %.1f days up to %s, %ld windows planned\n", pipelines,
                plan.span_days, utc_text(now).c_str(), plan.total());
    seed(url, fleet, plan, now);
    verify_windows(url, fleet, pipelines);
    measure_sizes(url);
    if (env_or("SLUICE_SCALE_SEED_ONLY", "0") == "1") {
      write_point_env(dir, url, plan, now);
      return 0;
    }
    for (const auto& s : scale::operator_statements(kProbe)) {
      const auto t = scale::time_statement(url, s.sql, runs);
      figure(s.key + "_ms", t.median_ms);
      std::printf("   %s: %zu rows, %zu run(s)\n", s.key.c_str(), t.rows, t.runs);
    }
    measure_claims(url, fleet.runtimes, seconds, repeats);
    const auto g = scale::time_generation(url, fleet.runtimes, now,
                                          fleet.config.daemon.scheduler.max_windows_per_tick, runs);
    figure("generate_tick_s", g.median_s);
    figure("generate_created", static_cast<double>(g.created));
    std::printf("   one cron tick: %lld windows made in [%s] s, %zu pipelines failed\n",
                static_cast<long long>(g.created), list(g.runs, 2).c_str(), g.failed);
    write_point_env(dir, url, plan, now);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "scale: %s\n", e.what());
    return 1;
  }
  return 0;
}
