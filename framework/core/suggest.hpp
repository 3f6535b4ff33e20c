#pragma once
// "did you mean" for unknown keys, zones, placeholders and pipeline ids.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word` when it is close enough to be a plausible typo
// (distance <= max(2, word.size() / 3)), ties going to the earlier candidate.
std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string_view>& candidates);

// What an unknown name's message adds: ` (did you mean 'x'?)` for a close candidate, else
// ` (defined: a, b)`, or ` (NONE)` when there are no candidates at all.
std::string unknown_name_hint(std::string_view word,
                              const std::vector<std::string_view>& candidates,
                              std::string_view none);

}  // namespace sluice
