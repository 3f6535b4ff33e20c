#pragma once
// A fake disk for failure tests, through posix_file.hpp's seam: it counts the file system
// calls the code under test makes and fails the chosen one with an errno (ENOSPC: a full
// disk), as the system would. One at a time; the destructor takes it out.
#include <cerrno>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "framework/adapters/posix_file.hpp"

namespace sluice::test {

class FakeDisk {
 public:
  FakeDisk();
  ~FakeDisk();
  FakeDisk(const FakeDisk&) = delete;
  FakeDisk& operator=(const FakeDisk&) = delete;

  // Fails the `n`th call from now on (1-based), and only it; 0 fails none.
  void fail_call(int n, int error = ENOSPC);
  // Fails every call of kind `call` from now on.
  void fail_every(adapters::FileCall call, int error = ENOSPC);

  // The calls made since construction, in order.
  std::vector<std::pair<adapters::FileCall, std::filesystem::path>> calls() const;
  // The call that was failed, if any.
  std::optional<std::pair<adapters::FileCall, std::filesystem::path>> failed() const;

 private:
  int decide(adapters::FileCall call, const std::filesystem::path& path);

  mutable std::mutex mutex_;
  std::vector<std::pair<adapters::FileCall, std::filesystem::path>> calls_;
  std::optional<std::pair<adapters::FileCall, std::filesystem::path>> failed_;
  std::size_t fail_at_ = 0;  // index into calls_ + 1
  std::optional<adapters::FileCall> fail_every_;
  int error_ = ENOSPC;
};

std::string_view to_string(adapters::FileCall call);

}  // namespace sluice::test
