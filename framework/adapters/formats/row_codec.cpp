#include "framework/adapters/formats/row_codec.hpp"

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

std::unique_ptr<RowEncoder> make_encoder(const CodecOptions& options) {
  if (options.format == Format::jsonl) return std::make_unique<JsonlEncoder>();
  if (options.format == Format::copy_text) return std::make_unique<CopyTextEncoder>();
  return std::make_unique<CsvEncoder>(options.csv);
}

std::unique_ptr<RowDecoder> make_decoder(const CodecOptions& options, ByteSource& in,
                                         std::string name) {
  if (options.format == Format::jsonl)
    return std::make_unique<JsonlDecoder>(options.columns, in, std::move(name),
                                          options.max_json_depth);
  return std::make_unique<CsvDecoder>(options.csv, options.columns, in, std::move(name));
}

}  // namespace sluice::adapters::formats
