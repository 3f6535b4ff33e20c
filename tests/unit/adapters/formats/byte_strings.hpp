#pragma once
// In-memory byte streams for codec tests; a small read size puts every buffer boundary
// inside quotes, escapes and line breaks.
#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "framework/adapters/formats/bytes.hpp"
#include "framework/adapters/formats/row_codec.hpp"
#include "framework/adapters/formats/zstd_stream.hpp"

namespace sluice::test {

class StringSource final : public adapters::formats::ByteSource {
 public:
  explicit StringSource(std::string text, std::size_t chunk = 3)
      : text_(std::move(text)), chunk_(chunk) {}
  Result<std::size_t> read(char* into, std::size_t capacity) override {
    const std::size_t n = std::min({capacity, chunk_, text_.size() - pos_});
    std::memcpy(into, text_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  std::string text_;
  std::size_t chunk_, pos_ = 0;
};

class StringSink final : public adapters::formats::ByteSink {
 public:
  Result<void> write(std::string_view bytes) override {
    text.append(bytes);
    return {};
  }
  std::string text;
};

// `text` as one zstd frame, as the zstd tool writes it.
inline std::string zstd_bytes(std::string_view text) {
  StringSink out;
  adapters::formats::ZstdCompressSink z(out, 3);
  if (!z.write(text) || !z.finish()) throw std::runtime_error("zstd compression failed");
  return out.text;
}

// Every row of a decoder, NULL shown as `<NULL>`, fields joined by `|`; or the error.
inline std::string decode_all(adapters::formats::RowDecoder& decoder) {
  std::string out;
  std::vector<adapters::Field> fields;
  for (;;) {
    auto more = decoder.next(fields);
    if (!more) return out + "ERROR " + more.error().message;
    if (!*more) return out;
    for (std::size_t i = 0; i < fields.size(); ++i)
      out += (i ? "|" : "") + (fields[i] ? std::string(*fields[i]) : std::string("<NULL>"));
    out += "\n";
  }
}

}  // namespace sluice::test
