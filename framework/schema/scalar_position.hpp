#pragma once
// Where a character of a string value is in its file, for diagnostics that point into a
// value (a placeholder in a SQL statement, a column in a CREATE TABLE): yaml-cpp gives where
// a value starts, not where each of its characters came from.
#include <cstddef>
#include <string_view>

#include "framework/schema/diagnostic.hpp"

namespace sluice::config {

// `value`: where the value starts (Fields::where_of), `scalar`: the value as parsed. Exact
// for a literal block (`|`) and for a value on one line, plain or quoted, without escapes;
// otherwise (a folded block, escapes, an unreadable file) the value's own location.
Location locate_in_scalar(const Location& value, std::string_view scalar, std::size_t offset);

}  // namespace sluice::config
