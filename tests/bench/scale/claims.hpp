#pragma once
// Claims by several processes on one database, as several daemons make them: each process
// has its own connection and calls the product's claim (store::Records::claim, with every
// pipeline's limits as a daemon passes them) in a loop, and releases each window it got at
// once (tasks::release_windows, the drain's fenced write), so the live part stays the same
// however long it runs.
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "framework/store/database.hpp"
#include "framework/store/records.hpp"
#include "tasks/runner.hpp"
#include "tests/bench/support/measure.hpp"

namespace sluice::bench::scale {

struct ClaimRun {
  double per_second = 0;
  double p50_ms = 0, p99_ms = 0;
  long claims = 0, empty = 0, failed = 0;
};

namespace detail {

// What one claimer sends back: three counts, then its latencies (ms).
struct ClaimerHeader {
  std::int64_t claims = 0, empty = 0, failed = 0, samples = 0;
};

inline void write_all(int fd, const void* data, std::size_t size) {
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n <= 0) return;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
}

inline bool read_all(int fd, void* data, std::size_t size) {
  auto* p = static_cast<char*>(data);
  while (size > 0) {
    const ssize_t n = ::read(fd, p, size);
    if (n <= 0) return false;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

[[noreturn]] inline void claimer(const std::string& url, const store::ClaimLimitSet& limits,
                                 Clock::time_point start, Clock::time_point stop, int out) {
  ClaimerHeader h;
  std::vector<double> ms;
  auto c = store::connect(url, {.application_name = "sluice-scale-claimer"});
  if (c) {
    store::Records records(**c, "scale-claimer:" + std::to_string(::getpid()));
    std::this_thread::sleep_until(start);
    while (Clock::now() < stop) {
      const auto t0 = Clock::now();
      auto r = records.claim(limits);
      ms.push_back(seconds_since(t0) * 1000);
      if (!r) {
        ++h.failed;
        continue;
      }
      if (!*r) {
        ++h.empty;
        continue;
      }
      ++h.claims;
      const store::Record got = **r;
      if (!tasks::release_windows(records, std::span(&got, 1), "released by the scale benchmark"))
        ++h.failed;
    }
  } else {
    h.failed = 1;
  }
  h.samples = static_cast<std::int64_t>(ms.size());
  write_all(out, &h, sizeof h);
  write_all(out, ms.data(), ms.size() * sizeof(double));
  ::close(out);
  ::_exit(0);
}

}  // namespace detail

// `processes` claimers for `seconds`, started together once all have connected.
inline ClaimRun run_claimers(const std::string& url, const store::ClaimLimitSet& limits,
                             int processes, double seconds) {
  const auto start = Clock::now() + std::chrono::milliseconds(500 + 100 * processes);
  const auto stop =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  std::vector<std::pair<pid_t, int>> children;
  for (int i = 0; i < processes; ++i) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
      ::close(fds[0]);
      detail::claimer(url, limits, start, stop, fds[1]);
    }
    ::close(fds[1]);
    children.emplace_back(pid, fds[0]);
  }
  ClaimRun run;
  std::vector<double> all;
  for (const auto& [pid, fd] : children) {
    detail::ClaimerHeader h;
    if (detail::read_all(fd, &h, sizeof h)) {
      std::vector<double> ms(static_cast<std::size_t>(h.samples));
      if (detail::read_all(fd, ms.data(), ms.size() * sizeof(double)))
        all.insert(all.end(), ms.begin(), ms.end());
      run.claims += h.claims;
      run.empty += h.empty;
      run.failed += h.failed;
    } else {
      ++run.failed;
    }
    ::close(fd);
    ::waitpid(pid, nullptr, 0);
  }
  run.per_second = static_cast<double>(run.claims) / seconds;
  run.p50_ms = percentile(all, 0.5);
  run.p99_ms = percentile(all, 0.99);
  return run;
}

}  // namespace sluice::bench::scale
