#pragma once
// Byte streams the codecs stack on: a file, a zstd layer, a hash. Each layer pulls from
// (ByteSource) or pushes to (ByteSink) the next with fixed buffers, so memory stays constant
// whatever the file size.
#include <cstddef>
#include <string_view>

#include "framework/adapters/posix_file.hpp"
#include "framework/core/error.hpp"

namespace sluice::adapters::formats {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Up to `capacity` bytes into `into`; 0 only at the end.
  virtual Result<std::size_t> read(char* into, std::size_t capacity) = 0;
};

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual Result<void> write(std::string_view bytes) = 0;
  // Writes what the layer still holds (a compressor's last frame); the sink below is not
  // finished: its owner closes it.
  virtual Result<void> finish() { return {}; }
};

class FileByteSource final : public ByteSource {
 public:
  explicit FileByteSource(PosixFile& file) : file_(file) {}
  Result<std::size_t> read(char* into, std::size_t capacity) override {
    return file_.read(into, capacity);
  }

 private:
  PosixFile& file_;
};

class FileByteSink final : public ByteSink {
 public:
  explicit FileByteSink(PosixFile& file) : file_(file) {}
  Result<void> write(std::string_view bytes) override { return file_.write(bytes); }

 private:
  PosixFile& file_;
};

}  // namespace sluice::adapters::formats
