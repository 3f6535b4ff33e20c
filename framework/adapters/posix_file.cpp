#include "framework/adapters/posix_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

namespace fs = std::filesystem;

namespace sluice::adapters {
namespace {

FakeFileFailures fake_storage;
std::atomic<const FakeFileFailures*> fake{nullptr};

// The errno a test's fake fails `call` with, 0 when none is installed or it lets it run.
int faked(FileCall call, const fs::path& path) {
  const FakeFileFailures* f = fake.load(std::memory_order_acquire);
  return f ? (*f)(call, path) : 0;
}

}  // namespace

void install_fake_file_failures(FakeFileFailures f) {
  fake.store(nullptr, std::memory_order_release);
  fake_storage = std::move(f);
  if (fake_storage) fake.store(&fake_storage, std::memory_order_release);
}

Error errno_error(const std::string& what, const fs::path& path, int error_number) {
  std::string message = what + " " + path.string() + ": " + std::strerror(error_number);
  switch (error_number) {
    case ENOSPC:
    case EDQUOT:
    case EIO:
    case EINTR:
    case EAGAIN:
    case EMFILE:
    case ENFILE:
    case ESTALE: return Error::retryable(std::move(message));
    default: return Error::permanent(std::move(message));
  }
}

PosixFile::~PosixFile() {
  close();
}

void PosixFile::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Result<void> PosixFile::create(const fs::path& path) {
  close();
  path_ = path;
  if (const int e = faked(FileCall::create, path))
    return fail(errno_error("cannot create", path, e));
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd_ < 0) return fail(errno_error("cannot create", path, errno));
  return {};
}

Result<void> PosixFile::open_read(const fs::path& path) {
  close();
  path_ = path;
  if (const int e = faked(FileCall::open, path)) return fail(errno_error("cannot open", path, e));
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) return fail(errno_error("cannot open", path, errno));
  return {};
}

Result<void> PosixFile::write(std::string_view bytes) {
  if (const int e = faked(FileCall::write, path_))
    return fail(errno_error("cannot write", path_, e));
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(errno_error("cannot write", path_, errno));
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

Result<std::size_t> PosixFile::read(char* into, std::size_t capacity) {
  if (const int e = faked(FileCall::read, path_)) return fail(errno_error("cannot read", path_, e));
  for (;;) {
    const ssize_t n = ::read(fd_, into, capacity);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno != EINTR) return fail(errno_error("cannot read", path_, errno));
  }
}

Result<void> PosixFile::sync_and_close() {
  const int faked_sync = faked(FileCall::fsync, path_);
  if (faked_sync != 0 || ::fsync(fd_) != 0) {
    const int e = faked_sync ? faked_sync : errno;
    close();
    return fail(errno_error("cannot fsync", path_, e));
  }
  const int faked_close = faked(FileCall::close, path_);
  const int rc = ::close(fd_);
  const int e = faked_close ? faked_close : errno;
  fd_ = -1;
  if (rc != 0 || faked_close != 0) return fail(errno_error("cannot close", path_, e));
  return {};
}

void PosixFile::start_writeback(std::int64_t offset, std::int64_t length) {
  if (fd_ >= 0) (void)::sync_file_range(fd_, offset, length, SYNC_FILE_RANGE_WRITE);
}

Result<void> sync_directory(const fs::path& dir) {
  if (const int e = faked(FileCall::fsync_directory, dir))
    return fail(errno_error("cannot fsync directory", dir, e));
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return fail(errno_error("cannot open directory", dir, errno));
  const int rc = ::fsync(fd);
  const int e = errno;
  ::close(fd);
  if (rc != 0) return fail(errno_error("cannot fsync directory", dir, e));
  return {};
}

Result<void> rename_file(const fs::path& from, const fs::path& to, bool sync_dir) {
  if (const int e = faked(FileCall::rename, to))
    return fail(errno_error("cannot rename to", to, e));
  if (::rename(from.c_str(), to.c_str()) != 0)
    return fail(errno_error("cannot rename to", to, errno));
  return sync_dir ? sync_directory(to.parent_path()) : Result<void>{};
}

Result<void> write_file_atomically(const fs::path& path, std::string_view text, bool sync_file,
                                   bool sync_dir) {
  const fs::path temp = path.parent_path() / ("." + path.filename().string() + ".tmp");
  auto written = [&]() -> Result<void> {
    PosixFile file;
    if (auto r = file.create(temp); !r) return r;
    if (auto r = file.write(text); !r) return r;
    if (sync_file) return file.sync_and_close();
    file.close();
    return {};
  }();
  if (!written || !(written = rename_file(temp, path, /*sync_directory=*/false))) {
    std::error_code ec;
    fs::remove(temp, ec);
    return written;
  }
  return sync_dir ? sync_directory(path.parent_path()) : Result<void>{};
}

void remove_other_data_files(const fs::path& dir, const std::string& keep) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name != keep && name.starts_with("data-")) fs::remove(entry.path(), ec);
  }
}

}  // namespace sluice::adapters
