#pragma once
// Rows on their way from a source to a target. Every format sluice moves (PostgreSQL COPY
// text, CSV, JSON Lines, MySQL's and ClickHouse's text protocols) carries values as text, so
// a field is a text value or NULL, and a sink receives rows one at a time or, when it can,
// whole blocks of rows already encoded as COPY text (the fast path that makes
// PostgreSQL -> stage -> PostgreSQL a byte pump).
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "framework/core/error.hpp"

namespace sluice::adapters {

struct Column {
  std::string name;
  auto operator<=>(const Column&) const = default;
};

using Field = std::optional<std::string_view>;  // nullopt is SQL NULL

class RowSink {
 public:
  virtual ~RowSink() = default;
  virtual Result<void> begin(std::span<const Column> columns) = 0;
  virtual Result<void> row(std::span<const Field> fields) = 0;
  // `block` holds whole rows in COPY text format, `rows` of them. The default decodes it
  // and calls row() for each; sinks that store COPY text override it to take the bytes.
  virtual Result<void> copy_block(std::string_view block, std::int64_t rows);
  virtual Result<void> end() = 0;
};

}  // namespace sluice::adapters
