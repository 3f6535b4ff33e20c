#pragma once
// CSV as RFC 4180 has it: fields separated by a delimiter, records by CRLF or LF; a field
// holding the delimiter, a quote, CR or LF is quoted, a quote inside doubled. A bare CR
// inside an unquoted field is data. NULL follows CsvOptions::null_text (see row_codec.hpp).
// A UTF-8 byte order mark at the very start of the stream is skipped; anywhere else it is data
// (and a value starting with one is written quoted, so it reads back whole).
#include <string>
#include <vector>

#include "framework/adapters/formats/row_codec.hpp"

namespace sluice::adapters::formats {

class CsvEncoder final : public RowEncoder {
 public:
  explicit CsvEncoder(CsvOptions options) : options_(std::move(options)) {}
  void begin(std::string& out, std::span<const Column> columns) override;
  void row(std::string& out, std::span<const Field> fields) override;

 private:
  void field(std::string& out, std::string_view text, bool force_quotes);
  CsvOptions options_;
};

class CsvDecoder final : public RowDecoder {
 public:
  CsvDecoder(CsvOptions options, std::vector<Column> declared, ByteSource& in, std::string name,
             std::size_t max_record_bytes = kMaxFileRowBytes);
  Result<std::vector<Column>> columns() override;
  Result<bool> next(std::vector<Field>& fields) override;

 private:
  struct Raw {
    std::size_t begin, end;
    bool quoted;
  };
  Result<bool> record();        // the next physical record into text_/raw_, false at the end
  Result<bool> parse_record();  // record() without its final length check
  Result<bool> fill();
  Error malformed(std::int64_t line, std::string_view what) const;

  CsvOptions options_;
  std::vector<Column> columns_;
  bool header_done_ = false;
  ByteSource& in_;
  std::string name_;
  std::size_t max_record_bytes_;
  std::vector<char> buffer_;
  std::size_t pos_ = 0, size_ = 0;
  bool eof_ = false, started_ = false;
  std::string text_;  // the record's unescaped fields, back to back
  std::vector<Raw> raw_;
  std::int64_t line_ = 1;         // of the next byte
  std::int64_t record_line_ = 1;  // where the current record starts
};

}  // namespace sluice::adapters::formats
