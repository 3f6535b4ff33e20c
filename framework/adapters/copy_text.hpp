#pragma once
// PostgreSQL COPY text format (the default of `COPY ... TO STDOUT`): fields separated by
// tab, rows ended by newline, NULL written `\N`, backslash escapes for backslash, tab,
// newline and carriage return. The stage's native format, so PostgreSQL endpoints move
// bytes without re-encoding.
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "framework/adapters/rows.hpp"

namespace sluice::adapters::copy_text {

void append_field(std::string& out, const Field& field);
void append_row(std::string& out, std::span<const Field> fields);

// Decodes one field's escapes into `out`. PostgreSQL's full set: \b \f \n \r \t \v, octal
// \NNN, hex \xHH, and any other escaped character as itself.
Result<void> unescape(std::string_view raw, std::string& out);

// Number of rows in a block of whole rows (newlines are always escaped inside values).
std::int64_t count_rows(std::string_view block);

// Splits whole rows into fields, reusing its buffers between rows; views stay valid until
// the next call.
class Decoder {
 public:
  // Decodes the row at the front of `block` and removes it. False when `block` holds no
  // complete row. A malformed escape is an Error (permanent: the data will not change).
  Result<bool> next(std::string_view& block, std::vector<Field>& fields);

 private:
  // A deque, so growing it for a wide row keeps the views of earlier fields valid.
  std::deque<std::string> storage_;
};

}  // namespace sluice::adapters::copy_text
