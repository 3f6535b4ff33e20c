#include "framework/adapters/formats/row_codec.hpp"

#include <algorithm>
#include <cstring>

#include "framework/adapters/copy_text.hpp"
#include "framework/adapters/formats/csv.hpp"
#include "framework/adapters/formats/jsonl.hpp"

namespace sluice::adapters::formats {
namespace {

class CopyTextEncoder final : public RowEncoder {
 public:
  void begin(std::string&, std::span<const Column>) override {}
  void row(std::string& out, std::span<const Field> fields) override {
    copy_text::append_row(out, fields);
  }
};

}  // namespace

std::string describe_size(std::size_t bytes) {
  return bytes % (1 << 20) == 0 ? std::to_string(bytes >> 20) + " MiB"
                                : std::to_string(bytes) + " bytes";
}

std::string_view to_string(Format format) {
  switch (format) {
    case Format::copy_text: return "copy_text";
    case Format::csv: return "csv";
    case Format::jsonl: return "jsonl";
  }
  return "?";
}

std::optional<Format> parse_format(std::string_view text) {
  if (text == "copy" || text == "copy_text") return Format::copy_text;
  if (text == "csv") return Format::csv;
  if (text == "jsonl") return Format::jsonl;
  return std::nullopt;
}

Result<std::size_t> read_first(ByteSource& in, char* into, std::size_t capacity) {
  std::size_t got = 0;
  for (;;) {
    auto n = in.read(into + got, capacity - got);
    if (!n) return n;
    got += *n;
    const std::size_t seen = std::min(got, kUtf8Bom.size());
    // The end, or bytes that cannot be a mark: they are data.
    if (*n == 0 || std::string_view(into, seen) != kUtf8Bom.substr(0, seen)) return got;
    if (got >= kUtf8Bom.size()) {
      got -= kUtf8Bom.size();
      std::memmove(into, into + kUtf8Bom.size(), got);
      // Nothing after the mark yet: 0 would read as the end of the stream.
      return got > 0 ? Result<std::size_t>(got) : in.read(into, capacity);
    }
  }
}

std::unique_ptr<RowEncoder> make_encoder(const CodecOptions& options) {
  if (options.format == Format::jsonl) return std::make_unique<JsonlEncoder>();
  if (options.format == Format::copy_text) return std::make_unique<CopyTextEncoder>();
  return std::make_unique<CsvEncoder>(options.csv);
}

std::unique_ptr<RowDecoder> make_decoder(const CodecOptions& options, ByteSource& in,
                                         std::string name) {
  if (options.format == Format::jsonl)
    return std::make_unique<JsonlDecoder>(options.columns, in, std::move(name),
                                          options.max_json_depth, options.max_row_bytes);
  return std::make_unique<CsvDecoder>(options.csv, options.columns, in, std::move(name),
                                      options.max_row_bytes);
}

}  // namespace sluice::adapters::formats
