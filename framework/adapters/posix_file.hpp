#pragma once
// Plain POSIX files with the durability steps atomic writes need (fsync of the file before
// the rename, of the directory after it), returning classified errors: ENOSPC and EIO are
// retryable (space may be freed, a disk may come back), EACCES and the like permanent.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "framework/core/error.hpp"

namespace sluice::adapters {

class PosixFile {
 public:
  PosixFile() = default;
  ~PosixFile();
  PosixFile(const PosixFile&) = delete;
  PosixFile& operator=(const PosixFile&) = delete;

  Result<void> create(const std::filesystem::path& path);  // truncates, mode 0640
  Result<void> open_read(const std::filesystem::path& path);
  Result<void> write(std::string_view bytes);
  Result<std::size_t> read(char* into, std::size_t capacity);  // 0 at the end
  Result<void> sync_and_close();
  // Starts writing back [offset, offset + length) without waiting for it, so that the
  // final fsync of a large file has little left to do. Advice only: errors are ignored.
  void start_writeback(std::int64_t offset, std::int64_t length);
  void close();
  bool is_open() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
  std::filesystem::path path_;
};

Error errno_error(const std::string& what, const std::filesystem::path& path, int error_number);

// fsync of a directory, so that the names created or renamed in it survive a crash.
Result<void> sync_directory(const std::filesystem::path& dir);

// rename(2) then, unless `sync_directory` is false (a later sync of the same directory will
// cover it), fsync of the target's directory, so the new name survives a crash.
Result<void> rename_file(const std::filesystem::path& from, const std::filesystem::path& to,
                         bool sync_directory = true);

// Writes `text` to `path` through a temp file in the same directory (fsync + rename + fsync
// of the directory). `sync_file` false skips the file's own fsync, for a file whose reader
// detects a torn one (a crash may then leave it empty, never half of something else);
// `sync_directory` false leaves the directory's to the caller. On failure before the rename
// the temp file is removed: a full disk is not kept full by what failed on it.
Result<void> write_file_atomically(const std::filesystem::path& path, std::string_view text,
                                   bool sync_file = true, bool sync_directory = true);

// Removes data files of earlier runs (data-* other than `keep`, whatever their format); best
// effort.
void remove_other_data_files(const std::filesystem::path& dir, const std::string& keep);

// The system calls of the functions above, for a test's fake to fail one of them.
enum class FileCall { create, open, write, read, fsync, close, rename, fsync_directory };
// Given each call and its path before it is made; an errno fails the call as if the system
// had returned it (nothing is done), 0 lets it run.
using FakeFileFailures = std::function<int(FileCall, const std::filesystem::path&)>;
// A test seam: installs `fake` for every thread (empty: none). Production code never calls
// it; tests install one around the code under test (tests/support/fake_disk.hpp).
void install_fake_file_failures(FakeFileFailures fake);

}  // namespace sluice::adapters
