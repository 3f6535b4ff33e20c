#include "framework/adapters/formats/encoding_writer.hpp"

namespace sluice::adapters::formats {
namespace {

constexpr std::size_t kFlushBytes = 1 << 20;

}  // namespace

EncodingWriter::EncodingWriter(const CodecOptions& options, std::optional<int> zstd_level,
                               ByteSink& out)
    : format_(options.format), encoder_(make_encoder(options)), out_(out) {
  if (zstd_level) zstd_ = std::make_unique<ZstdCompressSink>(out, *zstd_level);
  buffer_.reserve(kFlushBytes + 4096);
}

Result<void> EncodingWriter::flush() {
  if (buffer_.empty()) return {};
  auto r = zstd_ ? zstd_->write(buffer_) : out_.write(buffer_);
  buffer_.clear();
  return r;
}

Result<void> EncodingWriter::begin(std::span<const Column> columns) {
  encoder_->begin(buffer_, columns);
  return {};
}

Result<void> EncodingWriter::row(std::span<const Field> fields) {
  encoder_->row(buffer_, fields);
  ++rows_;
  return buffer_.size() >= kFlushBytes ? flush() : Result<void>{};
}

Result<void> EncodingWriter::copy_block(std::string_view block, std::int64_t rows) {
  if (format_ != Format::copy_text) {
    for (;;) {
      auto more = decoder_.next(block, fields_);
      if (!more) return fail(more.error());
      if (!*more) return {};
      if (auto r = row(fields_); !r) return r;
    }
  }
  rows_ += rows;
  if (buffer_.size() + block.size() < kFlushBytes) {
    buffer_.append(block);
    return {};
  }
  if (auto r = flush(); !r) return r;
  return zstd_ ? zstd_->write(block) : out_.write(block);
}

Result<void> EncodingWriter::finish() {
  if (auto r = flush(); !r) return r;
  return zstd_ ? zstd_->finish() : Result<void>{};
}

}  // namespace sluice::adapters::formats
