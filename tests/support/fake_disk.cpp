#include "tests/support/fake_disk.hpp"

namespace sluice::test {

using adapters::FileCall;

FakeDisk::FakeDisk() {
  adapters::install_fake_file_failures(
      [this](FileCall call, const std::filesystem::path& path) { return decide(call, path); });
}

FakeDisk::~FakeDisk() {
  adapters::install_fake_file_failures({});
}

void FakeDisk::fail_call(int n, int error) {
  std::lock_guard lock(mutex_);
  fail_at_ = n > 0 ? calls_.size() + static_cast<std::size_t>(n) : 0;
  error_ = error;
}

void FakeDisk::fail_every(FileCall call, int error) {
  std::lock_guard lock(mutex_);
  fail_every_ = call;
  error_ = error;
}

std::vector<std::pair<FileCall, std::filesystem::path>> FakeDisk::calls() const {
  std::lock_guard lock(mutex_);
  return calls_;
}

std::optional<std::pair<FileCall, std::filesystem::path>> FakeDisk::failed() const {
  std::lock_guard lock(mutex_);
  return failed_;
}

int FakeDisk::decide(FileCall call, const std::filesystem::path& path) {
  std::lock_guard lock(mutex_);
  calls_.emplace_back(call, path);
  if (calls_.size() == fail_at_ || fail_every_ == call) {
    failed_ = calls_.back();
    return error_;
  }
  return 0;
}

std::string_view to_string(FileCall call) {
  switch (call) {
    case FileCall::create: return "create";
    case FileCall::open: return "open";
    case FileCall::write: return "write";
    case FileCall::read: return "read";
    case FileCall::fsync: return "fsync";
    case FileCall::close: return "close";
    case FileCall::rename: return "rename";
    case FileCall::fsync_directory: return "fsync_directory";
  }
  return "?";
}

}  // namespace sluice::test
