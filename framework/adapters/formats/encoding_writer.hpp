#pragma once
// Rows (or COPY text blocks) in, a format's bytes out, optionally through zstd, into a
// ByteSink, in 1 MiB pieces: what the file target and the stage writer share. COPY text
// blocks pass through untouched when the format is copy_text (the stage's fast path).
#include <memory>
#include <optional>
#include <string>

#include "framework/adapters/copy_text.hpp"
#include "framework/adapters/formats/row_codec.hpp"
#include "framework/adapters/formats/zstd_stream.hpp"

namespace sluice::adapters::formats {

class EncodingWriter {
 public:
  // `zstd_level` none: no compression.
  EncodingWriter(const CodecOptions& options, std::optional<int> zstd_level, ByteSink& out);

  Result<void> begin(std::span<const Column> columns);
  Result<void> row(std::span<const Field> fields);
  Result<void> copy_block(std::string_view block, std::int64_t rows);
  // Flushes, and ends the zstd frame; the sink below stays open.
  Result<void> finish();
  std::int64_t rows() const { return rows_; }

 private:
  Result<void> flush();
  Format format_;
  std::unique_ptr<RowEncoder> encoder_;
  std::unique_ptr<ZstdCompressSink> zstd_;
  ByteSink& out_;
  std::string buffer_;
  copy_text::Decoder decoder_;
  std::vector<Field> fields_;
  std::int64_t rows_ = 0;
};

// The zstd level of files and stage: zstd's default trades well between speed and size.
inline constexpr int kZstdLevel = 3;

}  // namespace sluice::adapters::formats
