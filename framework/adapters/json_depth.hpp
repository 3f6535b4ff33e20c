#pragma once
// How deep JSON text nests, found without recursion. Reading JSON into nlohmann's DOM does
// not recurse, but writing a value back out (dump), copying or comparing one does, one stack
// frame per level: a value nested 100,000 deep from an API or a file would overflow the stack
// and end the process. Every adapter that takes JSON from outside checks the depth first, so
// that what recurses later is bounded by `max_json_depth`.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::adapters {

inline constexpr std::size_t kDefaultMaxJsonDepth = 512;
// The largest limit the config accepts: every recursive reading of a value this deep fits
// a worker's stack with room to spare.
inline constexpr std::size_t kMaxJsonDepthLimit = 10000;

// The byte offset of the first `{` or `[` that opens a container deeper than `max_depth`
// (strings skipped, escapes honoured); nullopt when there is none. The text is not
// validated: the parser that follows does that.
std::optional<std::size_t> json_too_deep(std::string_view text, std::size_t max_depth);

// `JSON nested deeper than 512 levels at byte 1234 (max_json_depth)`.
std::string too_deep_message(std::size_t max_depth, std::size_t byte);

}  // namespace sluice::adapters
