#pragma once
// Runs a built binary the way an operator would, and keeps what it printed.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sluice::test {

struct ProcessResult {
  int exit_code = -1;  // 128 + signal when killed by one
  std::string out;
  std::string err;
};

// `env` changes the inherited environment: a value sets a variable, nullopt removes it.
ProcessResult run_process(const std::filesystem::path& binary, const std::vector<std::string>& args,
                          const std::map<std::string, std::optional<std::string>>& env = {});

}  // namespace sluice::test
