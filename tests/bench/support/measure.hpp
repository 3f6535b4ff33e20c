#pragma once
// How the benchmarks measure: wall time, medians, paired runs against a baseline, peak RSS,
// and the knobs they read from the environment.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "framework/observe/log.hpp"

namespace sluice::bench {

using Clock = std::chrono::steady_clock;

// Warnings only (a line per window is not what a benchmark measures); SLUICE_BENCH_DEBUG=1
// shows every task's debug line, with its time, to see where a run spends it.
inline void init_bench_logging() {
  observe::LogSettings logging;
  logging.level = std::getenv("SLUICE_BENCH_DEBUG") ? spdlog::level::debug : spdlog::level::warn;
  observe::init_logging(logging);
}

inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

inline std::string env_or(const char* name, std::string fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

inline long env_number(const char* name, long fallback) {
  return std::stol(env_or(name, std::to_string(fallback)));
}

inline double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// The value below which a share `p` (0.5, 0.99) of the samples fall; 1.0 is the largest.
inline double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

// `12 15 11`: every run's figure, beside the median.
inline std::string list(const std::vector<double>& v, int decimals = 0) {
  std::string out;
  for (double x : v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%s%.*f", out.empty() ? "" : " ", decimals, x);
    out += buf;
  }
  return out;
}

// Rates of ours and theirs, `repeats` pairs run back to back in alternating order. On a
// shared machine the neighbours' load drifts over seconds to minutes, so the ratio within a
// pair, taken moments apart, is steadier than the ratio of two medians.
struct Paired {
  std::vector<double> ours, theirs, ratios;

  // target: the (0.8 for most; G7 asks 0.9 of the data path, 1.0 of the control plane).
  void print(const char* ratio_name, double target = 0.8) const {
    std::printf(
        "  ratio %s: %.2f, the median of the paired runs' ratios [%s] (ratio of the medians %.2f); "
        "target >= %.1f\n",
        ratio_name, median(ratios), list(ratios, 2).c_str(), median(ours) / median(theirs), target);
  }
};

template <class Ours, class Theirs>
Paired run_paired(int repeats, Ours ours, Theirs theirs) {
  Paired p;
  for (int i = 0; i < repeats; ++i) {
    double a = 0, b = 0;
    if (i % 2 == 0) {
      a = ours();
      b = theirs();
    } else {
      b = theirs();
      a = ours();
    }
    p.ours.push_back(a);
    p.theirs.push_back(b);
    p.ratios.push_back(a / b);
  }
  return p;
}

// Peak resident set of this process so far, in MiB.
inline double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}
}  // namespace sluice::bench
