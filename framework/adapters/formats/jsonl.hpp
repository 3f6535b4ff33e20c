#pragma once
// JSON Lines: one object per line, keys are column names. Decoding: null is NULL, a string is
// its text, numbers and booleans their JSON text, arrays and objects their compact JSON text;
// a missing key is NULL, a key that is not a column is an error (data would be dropped).
// Encoding writes every value as a JSON string (rows carry text), NULL as null.
// A UTF-8 byte order mark at the very start of the stream is skipped; anywhere else it is an
// error.
#include <string>
#include <vector>

#include "framework/adapters/formats/row_codec.hpp"
#include "framework/adapters/json_depth.hpp"

namespace sluice::adapters::formats {

class JsonlEncoder final : public RowEncoder {
 public:
  void begin(std::string& out, std::span<const Column> columns) override;
  void row(std::string& out, std::span<const Field> fields) override;

 private:
  std::vector<std::string> keys_;  // `"name":`, escaped once
};

class JsonlDecoder final : public RowDecoder {
 public:
  // A line nested deeper than `max_depth` is an error before it is parsed: what reads its
  // values afterwards (dump) recurses once per level.
  JsonlDecoder(std::vector<Column> declared, ByteSource& in, std::string name,
               std::size_t max_depth = kDefaultMaxJsonDepth,
               std::size_t max_line_bytes = kMaxFileRowBytes);
  Result<std::vector<Column>> columns() override;
  Result<bool> next(std::vector<Field>& fields) override;

 private:
  Result<bool> next_line(std::string_view& line);
  Error malformed(std::string_view what) const;

  std::vector<Column> columns_;
  bool peeked_ = false;  // columns() read the first object ahead of next()
  bool peek_result_ = false;
  ByteSource& in_;
  std::string name_;
  std::size_t max_depth_;
  std::size_t max_line_bytes_;
  std::vector<char> buffer_;
  std::size_t pos_ = 0, size_ = 0;
  bool eof_ = false, started_ = false;
  std::string carry_;
  std::int64_t line_ = 0;
  std::vector<std::string> values_;
  std::vector<bool> present_;
};

// Appends `text` as a JSON string literal (quotes included). Bytes >= 0x80 pass unchanged.
void append_json_string(std::string& out, std::string_view text);

}  // namespace sluice::adapters::formats
