#pragma once
// zstd as a stream layer under any format (libzstd's streaming API: ZSTD_compressStream2 and
// ZSTD_decompressStream with their recommended buffer sizes, so memory is constant). A
// corrupt or truncated stream is a permanent error naming the file: retrying reads the same
// bytes.
#include <string>
#include <vector>

#include "framework/adapters/formats/bytes.hpp"

struct ZSTD_CCtx_s;
struct ZSTD_DCtx_s;

namespace sluice::adapters::formats {

class ZstdCompressSink final : public ByteSink {
 public:
  ZstdCompressSink(ByteSink& next, int level);
  ~ZstdCompressSink() override;
  ZstdCompressSink(const ZstdCompressSink&) = delete;
  ZstdCompressSink& operator=(const ZstdCompressSink&) = delete;

  Result<void> write(std::string_view bytes) override;
  Result<void> finish() override;  // ends the frame

 private:
  Result<void> pump(std::string_view bytes, int directive);
  ByteSink& next_;
  ZSTD_CCtx_s* ctx_;
  std::vector<char> out_;
};

class ZstdDecompressSource final : public ByteSource {
 public:
  // `name` is what messages call the stream (the file's path).
  ZstdDecompressSource(ByteSource& next, std::string name);
  ~ZstdDecompressSource() override;
  ZstdDecompressSource(const ZstdDecompressSource&) = delete;
  ZstdDecompressSource& operator=(const ZstdDecompressSource&) = delete;

  Result<std::size_t> read(char* into, std::size_t capacity) override;

 private:
  ByteSource& next_;
  std::string name_;
  ZSTD_DCtx_s* ctx_;
  std::vector<char> in_;
  std::size_t in_pos_ = 0, in_size_ = 0;
  std::size_t last_hint_ = 0;  // 0 once a frame ended exactly
  bool seen_input_ = false, eof_ = false;
};

}  // namespace sluice::adapters::formats
