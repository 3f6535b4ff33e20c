#pragma once
// Running the built binaries from e2e tests: arguments, environment changes, captured
// stdout and stderr, exit code.
#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sluice::test {

struct ProcessResult {
  int exit_code = -1;  // 128 + signal when killed by a signal
  std::string out;
  std::string err;
};

// Changes to the inherited environment: a value sets the variable, nullopt removes it.
using EnvChanges = std::map<std::string, std::optional<std::string>>;

// A started child; wait() collects it. Destroying an unwaited child kills it.
class Process {
 public:
  Process(const std::vector<std::string>& argv, const EnvChanges& env = {});
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  ProcessResult wait();
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
};

// Starts and waits.
ProcessResult run_process(const std::vector<std::string>& argv, const EnvChanges& env = {});

}  // namespace sluice::test
