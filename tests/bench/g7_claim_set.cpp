// The claimer's own work per claim at 10,000 pipelines, before and after its claim limits were
// made once per load of the pipelines (tasks/claimable.hpp), in one run of one process:
//   before  what claim_and_run did at each claim: copy the list of pipelines its source
//           returned, build a ClaimLimit per pipeline and the set's fingerprint (six numbers
//           as text per pipeline), and walk the list for the claimed window's runtime
//   after   what it does now: one shared_ptr copy of the ClaimablePipelines made at the load,
//           its fingerprint made then, the runtime found by its id
// Prints the CPU time per claim (this process, getrusage) and the ratio before / after. With
// SLUICE_BENCH_DATABASE_URL (tests/bench/g7_claim_set_bench.sh starts a private server), also
// the whole claim, Records::claim_windows, on a migrated database where nothing is claimable
// (what an idle daemon's workers do at each wake-up): CPU of this process and wall time per
// claim, before / after. Printed, never asserted.
//
// Knobs: SLUICE_BENCH_PIPELINES (10000), SLUICE_BENCH_CLAIMS (2000 per side, alternating halves).
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "framework/store/records.hpp"
#include "tasks/claimable.hpp"
#include "tests/bench/support/server.hpp"

using namespace sluice;
using namespace sluice::bench;

namespace {

std::string load_average() {
  std::FILE* f = std::fopen("/proc/loadavg", "r");
  char text[64] = {};
  if (f) {
    if (!std::fgets(text, sizeof text, f)) text[0] = 0;
    std::fclose(f);
  }
  std::string out(text);
  for (int fields = 0, i = 0; i < static_cast<int>(out.size()); ++i)
    if (out[i] == ' ' && ++fields == 3) return out.substr(0, i);
  return out;
}

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

tasks::Runtimes fleet(int n) {
  tasks::Runtimes out;
  for (int i = 0; i < n; ++i) {
    auto p = std::make_shared<tasks::PipelineRuntime>();
    p->id = PipelineId{fmt::format("pipeline_{:05}", i)};
    p->max_active_windows = 1 + i % 3;
    p->max_active_backfill = 2;
    p->config_version = 1 + i % 7;
    if (i % 5 == 0) p->pool = fmt::format("pool_{}", i % 20);
    p->priority = i % 4;
    out.push_back(std::move(p));
  }
  return out;
}

struct Cost {
  double cpu_us = 0, wall_us = 0;
};

// `claims` calls of `one`, as CPU and wall time per call.
template <class F>
Cost per_claim(long claims, F one) {
  const double cpu0 = cpu_seconds();
  const auto wall0 = Clock::now();
  for (long i = 0; i < claims; ++i) one(i);
  return {(cpu_seconds() - cpu0) * 1e6 / static_cast<double>(claims),
          seconds_since(wall0) * 1e6 / static_cast<double>(claims)};
}

// Before and after in alternating halves, so a neighbour's load falls on both.
template <class Before, class After>
std::pair<Cost, Cost> compare(long claims, Before before, After after) {
  Cost b, a;
  for (int half = 0; half < 2; ++half) {
    const auto x = per_claim(claims / 2, before);
    const auto y = per_claim(claims / 2, after);
    b.cpu_us += x.cpu_us / 2;
    b.wall_us += x.wall_us / 2;
    a.cpu_us += y.cpu_us / 2;
    a.wall_us += y.wall_us / 2;
  }
  return {b, a};
}

void print(const char* what, const Cost& before, const Cost& after, bool wall) {
  std::printf("%-50s %10.1f %10.1f %8.1fx\n", (std::string(what) + ", CPU us").c_str(),
              before.cpu_us, after.cpu_us, before.cpu_us / after.cpu_us);
  if (wall)
    std::printf("%-50s %10.1f %10.1f %8.1fx\n", (std::string(what) + ", wall us").c_str(),
                before.wall_us, after.wall_us, before.wall_us / after.wall_us);
}

}  // namespace

int main() {
  init_bench_logging();
  const int n = static_cast<int>(env_number("SLUICE_BENCH_PIPELINES", 10000));
  const long claims = env_number("SLUICE_BENCH_CLAIMS", 2000);
  const tasks::Runtimes runtimes = fleet(n);
  const auto loaded = tasks::claimable(runtimes);
  std::printf("== %d pipelines, %ld claims per side, load average %s\n", n, claims,
              load_average().c_str());
  std::printf("%-50s %10s %10s %9s\n", "per claim", "before", "after", "ratio");

  // What the claimer does around the statement; the claimed window's pipeline varies.
  std::int64_t sink = 0;
  const auto [before, after] = compare(
      claims,
      [&](long i) {
        const tasks::Runtimes pipelines = runtimes;  // the source returned a copy
        const store::ClaimLimitSet limits = tasks::claim_limits(pipelines);
        const PipelineId claimed = pipelines[static_cast<std::size_t>(i * 7919 % n)]->id;
        const auto runtime = std::find_if(pipelines.begin(), pipelines.end(),
                                          [&](const auto& p) { return p->id == claimed; });
        sink += limits.fingerprint() + (*runtime)->max_active_windows;
      },
      [&](long i) {
        const auto pipelines = loaded;
        const PipelineId& claimed =
            pipelines->pipelines()[static_cast<std::size_t>(i * 7919 % n)]->id;
        sink += pipelines->limits().fingerprint() + pipelines->find(claimed)->max_active_windows;
      });
  print("limits, fingerprint, runtime lookup", before, after, false);

  const std::string server = env_or("SLUICE_BENCH_DATABASE_URL", "");
  if (!server.empty()) {
    const std::string url = fresh_database(server, "g7_claim_set");
    auto c = connect(url);
    store::Records records(*c, "bench:1");
    // Both sets stored once before timing: each claim then finds its set stored, as a
    // daemon's claims do between reloads.
    const auto claim_with = [&](const store::ClaimLimitSet& limits) {
      auto r = records.claim_windows(limits, 1);
      if (!r) throw std::runtime_error(r.error().message);
      sink += static_cast<std::int64_t>(r->size());
    };
    claim_with(loaded->limits());
    const auto [db_before, db_after] = compare(
        claims / 4,
        [&](long) {
          const tasks::Runtimes pipelines = runtimes;
          claim_with(tasks::claim_limits(pipelines));
        },
        [&](long) { claim_with(loaded->limits()); });
    print("the claim, nothing claimable", db_before, db_after, true);
  }
  std::printf("== load average %s (checksum %lld)\n", load_average().c_str(),
              static_cast<long long>(sink % 10));
  return 0;
}
