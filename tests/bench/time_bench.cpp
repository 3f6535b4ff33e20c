// Speed of the time code on one core: next_fire over 20 representative expressions and
// ten years of 1-minute windows, both in a DST zone, each against a naive baseline run in
// the same process. Printed, never asserted.
#include <chrono>
#include <cstdio>
#include <vector>

#include <date/tz.h>

#include "framework/time/cron.hpp"
#include "framework/time/window_generator.hpp"
#include "tests/bench/support/measure.hpp"

using namespace sluice;
using namespace sluice::time;
using bench::Clock;
using bench::seconds_since;

namespace {

const char* const kExpressions[] = {
    "* * * * *",     "*/5 * * * *",     "*/15 * * * *",       "0 * * * *",       "30 2 * * *",
    "0 0 * * *",     "0 9 * * mon-fri", "15,45 8-18 * * 1-5", "0 */6 * * *",     "0 0 1 * *",
    "0 0 * * 0",     "0 3 1-7 * mon",   "10-40/10 */2 * * *", "0 12 15 * *",     "0 0 1 1 *",
    "59 23 31 12 *", "0 0 29 2 *",      "0 22 * * sat,sun",   "5 4 * jan,jul *", "0 0 */2 * fri",
};

// The naive cron: try every minute until one matches.
Instant naive_next_fire(const Cron& c, Instant after, Zone zone) {
  for (Instant u = date::floor<std::chrono::minutes>(after) + std::chrono::minutes(1);;
       u += std::chrono::minutes(1))
    if (c.matches(zone->to_local(u))) return u;
}

// Calls per second of `next` chained through 2024-2033, for at least `budget` seconds (checked
// every `batch` calls).
template <class Next>
double rate(Next next, double budget, int batch) {
  const Instant first = Instant{date::sys_days{date::year{2024} / 1 / 1}};
  const Instant last = Instant{date::sys_days{date::year{2034} / 1 / 1}};
  Instant t = first;
  long long calls = 0;
  const auto start = Clock::now();
  do {
    for (int i = 0; i < batch; ++i, ++calls) t = next(t);
    if (t > last) t = first;  // stay in the years a scheduler actually asks about
  } while (seconds_since(start) < budget);
  return calls / seconds_since(start);
}

void bench_cron(Zone zone) {
  // The mix: the same number of calls to each expression, so the rate over the mix is the
  // harmonic mean of the per-expression rates.
  double fast_inverse = 0, naive_inverse = 0;
  for (const char* e : kExpressions) {
    const Cron c = Cron::parse(e).value();
    const double fast = rate([&](Instant t) { return *c.next_fire(t, zone); }, 0.2, 64);
    const double naive = rate([&](Instant t) { return naive_next_fire(c, t, zone); }, 0.05, 1);
    std::printf("  %-20s next_fire %10.0f calls/s   minute scan %10.0f calls/s\n", e, fast, naive);
    fast_inverse += 1 / fast;
    naive_inverse += 1 / naive;
  }
  const double n = std::size(kExpressions);
  const double fast = n / fast_inverse, naive = n / naive_inverse;
  std::printf(
      "next_fire (%s, %.0f expressions, equal calls each): %.0f calls/s; minute-scan "
      "baseline %.0f calls/s; ratio %.1fx; target >= 500000 calls/s (%.2fx of target)\n",
      zone->name().c_str(), n, fast, naive, fast / naive, fast / 500000.0);
}

void bench_windows(Zone zone) {
  WindowSpec spec;
  spec.granularity = Granularity::parse("1m").value();
  spec.zone = zone;
  spec.start = Instant{date::sys_days{date::year{2020} / 1 / 1}} + std::chrono::hours(8);
  const Instant end = Instant{date::sys_days{date::year{2030} / 1 / 1}};

  auto t0 = Clock::now();
  std::vector<Window> windows;
  WindowRange range(spec, spec.start, end);
  while (const auto w = range.next()) windows.push_back(*w);
  const double fast = windows.size() / seconds_since(t0);

  // The baseline converts every local boundary with a tz database lookup.
  t0 = Clock::now();
  std::vector<Window> naive;
  naive.reserve(windows.size());
  auto local = zone->to_local(spec.start);
  Instant previous = spec.start;
  while (naive.size() < windows.size()) {
    local += std::chrono::minutes(1);
    const auto info = zone->get_info(local);
    const Instant t = info.result == date::local_info::nonexistent
                          ? info.second.begin
                          : Instant{local.time_since_epoch() - info.first.offset};
    if (t == previous) continue;
    naive.push_back(Window{previous, t});
    previous = t;
  }
  const double slow = naive.size() / seconds_since(t0);
  std::printf(
      "windows (%s, 1m, ten years = %zu windows): %.0f windows/s; per-window tz lookup "
      "baseline %.0f windows/s; ratio %.1fx; target >= 2000000 windows/s (%.2fx of "
      "target)%s\n",
      zone->name().c_str(), windows.size(), fast, slow, fast / slow, fast / 2000000.0,
      naive == windows ? "" : "  [MISMATCH with baseline]");
}

}  // namespace

int main() {
  const Zone zone = date::locate_zone("America/Los_Angeles");
  bench_cron(zone);
  bench_windows(zone);
}
