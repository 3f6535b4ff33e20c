#pragma once
// Checks of a config file as a whole, before any key is read: its text is UTF-8; its
// document has no duplicate key in any mapping, is not nested too deep and expands (aliases
// included) to a bounded number of nodes. Scalars holding a credential are registered with
// the diagnostics, which then never quote them unmasked.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "framework/schema/diagnostic.hpp"

namespace sluice::config {

// Documented limits (README: "Limits of a config file").
inline constexpr std::size_t kMaxConfigFileBytes = 8 * 1024 * 1024;
inline constexpr std::size_t kMaxDocumentNodes = 200'000;
inline constexpr int kMaxNestingDepth = 64;
inline constexpr int kParserDepthLimit = 500;  // yaml-cpp's own (YAML::DeepRecursion)

// The YAML documents of a file's text, or nothing with the reasons in diags: invalid UTF-8
// (at the first bad byte), a syntax error, nesting past what the parser takes.
std::optional<std::vector<YAML::Node>> parse_yaml_text(std::string_view text,
                                                       const std::string& file, Diagnostics& diags);

// Walks every node once per path that reaches it (an alias counts again each time it is
// used, as the code that reads the config sees it): reports duplicate keys with both
// places, refuses past kMaxDocumentNodes or kMaxNestingDepth, and registers credential
// scalars with diags. False when the document must not be read further.
bool check_document(const YAML::Node& root, const std::string& file, Diagnostics& diags);

}  // namespace sluice::config
