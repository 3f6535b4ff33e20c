#pragma once
// Row codecs for files and the stage: an encoder turns rows into a format's text, a decoder
// pulls rows out of a byte stream. Decoders keep one row (plus a fixed read buffer) in
// memory, so a file of any size streams; malformed input is a permanent error naming its
// place (`file:line`, the field when known): the same bytes fail the same way on a retry.
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "framework/adapters/formats/bytes.hpp"
#include "framework/adapters/json_depth.hpp"
#include "framework/adapters/rows.hpp"

namespace sluice::adapters::formats {

enum class Format { copy_text, csv, jsonl };
std::string_view to_string(Format format);
std::optional<Format> parse_format(std::string_view text);  // copy|copy_text|csv|jsonl

struct CsvOptions {
  char delimiter = ',';
  bool header = true;
  // The text that, unquoted, means NULL. The default is PostgreSQL's CSV convention: an
  // unquoted empty field is NULL and a quoted one (`""`) the empty string.
  std::string null_text;
};

struct CodecOptions {
  Format format = Format::csv;
  CsvOptions csv;
  // Declared columns: required for CSV without a header; for JSON Lines they fix the order
  // (otherwise the first object's keys, in file order).
  std::vector<Column> columns;
  // JSON Lines: a value nested deeper is a permanent error naming file:line.
  std::size_t max_json_depth = kDefaultMaxJsonDepth;
};

class RowEncoder {
 public:
  virtual ~RowEncoder() = default;
  virtual void begin(std::string& out, std::span<const Column> columns) = 0;  // a header
  virtual void row(std::string& out, std::span<const Field> fields) = 0;
};

class RowDecoder {
 public:
  virtual ~RowDecoder() = default;
  // Known once the first row (or the header) is read; before, the declared ones.
  virtual Result<std::vector<Column>> columns() = 0;
  // The next row, false at the end. Views stay valid until the next call.
  virtual Result<bool> next(std::vector<Field>& fields) = 0;
};

std::unique_ptr<RowEncoder> make_encoder(const CodecOptions& options);
// `name` places errors (a path). copy_text has no decoder here: the stage reads it in blocks.
std::unique_ptr<RowDecoder> make_decoder(const CodecOptions& options, ByteSource& in,
                                         std::string name);

}  // namespace sluice::adapters::formats
