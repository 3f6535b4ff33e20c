#include "framework/schema/file_text.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace sluice::config {
namespace {

std::string kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "not a plain file";
}

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::optional<std::size_t> first_invalid_utf8(std::string_view text) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  for (std::size_t i = 0; i < text.size();) {
    const unsigned char c = byte(i);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    unsigned char low = 0x80, high = 0xBF;  // the range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      length = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      length = 3;
      if (c == 0xE0) low = 0xA0;   // no overlong forms
      if (c == 0xED) high = 0x9F;  // no surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      length = 4;
      if (c == 0xF0) low = 0x90;
      if (c == 0xF4) high = 0x8F;  // nothing past U+10FFFF
    } else {
      return i;
    }
    if (i + length > text.size()) return i;
    if (byte(i + 1) < low || byte(i + 1) > high) return i;
    for (std::size_t k = 2; k < length; ++k) {
      if ((byte(i + k) & 0xC0) != 0x80) return i;
    }
    i += length;
  }
  return std::nullopt;
}

std::string byte_size_text(std::size_t bytes) {
  if (bytes % (1024 * 1024) == 0) return std::to_string(bytes / (1024 * 1024)) + " MiB";
  if (bytes % 1024 == 0) return std::to_string(bytes / 1024) + " KiB";
  return std::to_string(bytes) + " bytes";
}

tl::expected<std::string, std::string> read_regular_file(const std::filesystem::path& path,
                                                         std::size_t max_bytes) {
  const std::string shown = path.string();
  const auto refused = [&](mode_t mode) {
    return tl::unexpected(shown + " is " + kind_of(mode) + ", not a regular file");
  };
  // A socket cannot be opened at all (ENXIO), so its kind is told from stat() first;
  // fstat() after the non-blocking open then judges what was really opened.
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return tl::unexpected("cannot read " + shown + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return refused(st.st_mode);
  Fd file{::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)};
  if (file.fd < 0) return tl::unexpected("cannot read " + shown + ": " + std::strerror(errno));
  if (::fstat(file.fd, &st) != 0)
    return tl::unexpected("cannot read " + shown + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return refused(st.st_mode);
  const auto too_large = [&] {
    return tl::unexpected(shown + " is larger than " + byte_size_text(max_bytes));
  };
  if (static_cast<std::size_t>(st.st_size) > max_bytes) return too_large();
  // The size is read again as the file is read: it may grow meanwhile.
  std::string content;
  content.resize(std::min<std::size_t>(static_cast<std::size_t>(st.st_size), max_bytes) + 1);
  std::size_t used = 0;
  while (true) {
    if (used == content.size()) {
      if (content.size() > max_bytes) return too_large();
      content.resize(std::min(content.size() * 2, max_bytes + 1));
    }
    const ssize_t n = ::read(file.fd, content.data() + used, content.size() - used);
    if (n < 0) {
      if (errno == EINTR) continue;
      return tl::unexpected("cannot read " + shown + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  if (used > max_bytes) return too_large();
  content.resize(used);
  return content;
}

}  // namespace sluice::config
