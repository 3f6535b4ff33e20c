#pragma once
// The answer of a count endpoint (`count_path`): one JSON document with the window's count at
// `count_pointer`, an integer or a quoted one.
#include <cstdint>
#include <string>
#include <string_view>

#include "framework/core/error.hpp"

namespace sluice::adapters::http {

// The count, or a permanent Error saying what is wrong (malformed JSON with its byte, nesting
// deeper than `max_depth`, nothing or no count at the pointer) without naming the URL. Nothing
// in it recurses deeper than `max_depth`.
Result<std::int64_t> parse_count(std::string_view body, const std::string& pointer,
                                 std::size_t max_depth);

}  // namespace sluice::adapters::http
