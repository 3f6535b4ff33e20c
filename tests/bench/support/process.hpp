#pragma once
// Child processes: pgbench, psql, curl and sluice's own work run apart, so that each one's
// time and peak RSS are its own.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "tests/bench/support/measure.hpp"

namespace sluice::bench {

// Starts argv (execvp, no shell) with stdin from `in` and stdout and stderr to `out` (when
// not -1); `close_in_child` are descriptors the child must not keep (a pipe's other ends).
inline pid_t spawn(const std::vector<std::string>& argv, int in, int out,
                   std::vector<int> close_in_child = {}) {
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid > 0) return pid;
  if (in >= 0) dup2(in, STDIN_FILENO);
  if (out >= 0) {
    dup2(out, STDOUT_FILENO);
    if (out != STDOUT_FILENO) dup2(out, STDERR_FILENO);
  }
  for (int fd : close_in_child) close(fd);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  execvp(args[0], args.data());
  std::perror(args[0]);
  _exit(127);
}

inline bool exited_ok(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

struct ProcessResult {
  bool ok = false;
  std::string output;  // stdout and stderr
};

// Runs argv and collects what it prints.
inline ProcessResult run_process(const std::vector<std::string>& argv) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = spawn(argv, -1, fds[1], {fds[0], fds[1]});
  close(fds[1]);
  ProcessResult r;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;)
    r.output.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  r.ok = exited_ok(pid);
  return r;
}

// `a | b`, as a shell runs it (b's output goes where ours does); true when both succeed.
inline bool run_pipe(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  const pid_t left = spawn(a, -1, fds[1], {fds[0], fds[1]});
  const pid_t right = spawn(b, fds[0], -1, {fds[0], fds[1]});
  close(fds[0]);
  close(fds[1]);
  const bool left_ok = exited_ok(left);
  return exited_ok(right) && left_ok;
}

// Runs `work` in a child process of its own and hands back what it returned (trivially
// copyable, through a pipe), so that the child's ru_maxrss is that work's peak alone;
// nullopt when the child died first.
template <class Work>
auto run_child(Work work) -> std::optional<decltype(work())> {
  using Value = decltype(work());
  static_assert(std::is_trivially_copyable_v<Value>);
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    close(fds[0]);
    const Value v = work();
    (void)!write(fds[1], &v, sizeof v);
    _exit(0);
  }
  close(fds[1]);
  Value v{};
  const bool got = read(fds[0], &v, sizeof v) == sizeof v;
  close(fds[0]);
  waitpid(pid, nullptr, 0);
  if (!got) return std::nullopt;
  return v;
}

// The seconds and peak RSS of a child running `command` (its output to ours).
struct CommandRun {
  bool ok = false;
  double seconds = 0;
  double peak_rss_mib = 0;
};

inline CommandRun run_timed(const std::vector<std::string>& command) {
  const auto t0 = Clock::now();
  const pid_t pid = spawn(command, -1, -1, {});
  int status = 0;
  rusage usage{};
  while (wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  return {.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0,
          .seconds = seconds_since(t0),
          .peak_rss_mib = static_cast<double>(usage.ru_maxrss) / 1024.0};
}
}  // namespace sluice::bench
