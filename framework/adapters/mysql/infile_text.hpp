#pragma once
// The stage's COPY text rows as the text `LOAD DATA LOCAL INFILE` reads (FIELDS TERMINATED BY
// tab, ESCAPED BY backslash, LINES TERMINATED BY newline, NULL as `\N`), value for value. The
// two formats differ only in escapes: COPY's `\f`, `\v`, octal `\NNN` and hex `\xHH` mean
// bytes that LOAD DATA would read as letters and digits, its `\Z` and `\0` mean bytes COPY
// spells otherwise, and so such fields are decoded and written again.
//
// Some values are made into what the column takes (the inverse of the MariaDB source's
// encodings, mysql.hpp, and of what a PostgreSQL source writes):
// - DATETIME, TIMESTAMP: an instant with an offset (`2024-03-04 23:30:00+05:45`, `...Z`, `T`
//   between date and time) becomes the same instant in UTC without one (the session's time
//   zone is UTC, and DATETIME is taken to be UTC, as the window bounds are).
// - BINARY, VARBINARY, BLOB: PostgreSQL bytea hex (`\x0aff`) becomes its bytes; any other
//   text its own bytes. Sent as hex digits, which the statement UNHEX()es.
// - BIT(n): 0/1 digits, which the statement CONV()erts.
// - TINYINT(1) (BOOLEAN): `t`, `true`, `f`, `false` become 1 and 0.
// Anything else goes as it is: a value the column cannot take makes the server warn, and the
// load fails on any warning (target.cpp).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "framework/core/error.hpp"

namespace sluice::adapters::mysql {

enum class Conversion { none, datetime, binary, bit, boolean };

// From information_schema.COLUMNS: DATA_TYPE (`datetime`) and COLUMN_TYPE (`tinyint(1)`).
Conversion conversion_of(std::string_view data_type, std::string_view column_type);

// `2024-03-04 23:30:00.5+05:45` -> `2024-03-04 17:45:00.5`; nullopt when `value` is not a
// date and time with an offset (it then goes as it is).
std::optional<std::string> utc_datetime(std::string_view value);

class InfileEncoder {
 public:
  explicit InfileEncoder(std::vector<Conversion> columns);

  // Appends the whole COPY text rows of `block` to `out`; returns how many. A row with another
  // number of fields than the columns, or a malformed escape, is a permanent error.
  Result<std::int64_t> encode(std::string_view block, std::string& out);

 private:
  Result<void> field(std::string_view raw, Conversion conversion, std::string& out);

  std::vector<Conversion> columns_;
  bool plain_;  // no column converts: a block without a backslash goes as it is
  std::string decoded_, converted_;
  std::int64_t rows_ = 0;  // encoded so far, for messages
};

}  // namespace sluice::adapters::mysql
