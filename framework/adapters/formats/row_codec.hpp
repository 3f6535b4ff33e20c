#pragma once
// Row codecs for files and the stage: an encoder turns rows into a format's text, a decoder
// pulls rows out of a byte stream. Decoders keep one row (plus a fixed read buffer) in
// memory, so a file of any size streams; malformed input is a permanent error naming its
// place (`file:line`, the field when known): the same bytes fail the same way on a retry.
#include <cstddef>
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

// What a row reader pulls from its byte source at a time.
inline constexpr std::size_t kReadBytes = 1 << 18;

enum class Format { copy_text, csv, jsonl };
std::string_view to_string(Format format);
std::string describe_size(std::size_t bytes);               // `64 MiB`, for messages
std::optional<Format> parse_format(std::string_view text);  // copy|copy_text|csv|jsonl

struct CsvOptions {
  char delimiter = ',';
  bool header = true;
  // The text that, unquoted, means NULL. The default is PostgreSQL's CSV convention: an
  // unquoted empty field is NULL and a quoted one (`""`) the empty string.
  std::string null_text;
};

// A decoder holds a row whole. Reading a file someone else wrote, a row longer than this is
// taken for a runaway quote rather than data; what sluice wrote itself (the stage, a file
// target's file) holds rows as long as the source gave, so it is read with no limit.
inline constexpr std::size_t kMaxFileRowBytes = 64 << 20;
inline constexpr std::size_t kNoRowLimit = static_cast<std::size_t>(-1);

struct CodecOptions {
  Format format = Format::csv;
  CsvOptions csv;
  std::size_t max_row_bytes = kMaxFileRowBytes;  // decoding only
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

// The UTF-8 encoding of U+FEFF, the byte order mark a spreadsheet's "CSV UTF-8" export writes
// first. Only at the start of a stream is it a mark; anywhere else it is data.
inline constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// The first read of a text stream (after decompression): like `in.read`, with a byte order
// mark at the start dropped, also when it arrives split over several reads. `capacity` >= 3.
Result<std::size_t> read_first(ByteSource& in, char* into, std::size_t capacity);

std::unique_ptr<RowEncoder> make_encoder(const CodecOptions& options);
// `name` places errors (a path). copy_text has no decoder here: the stage reads it in blocks.
std::unique_ptr<RowDecoder> make_decoder(const CodecOptions& options, ByteSource& in,
                                         std::string name);

}  // namespace sluice::adapters::formats
