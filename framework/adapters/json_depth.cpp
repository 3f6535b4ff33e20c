#include "framework/adapters/json_depth.hpp"

#include <fmt/format.h>

namespace sluice::adapters {

std::optional<std::size_t> json_too_deep(std::string_view text, std::size_t max_depth) {
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped byte cannot end the string
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) return i;
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return std::nullopt;
}

std::string too_deep_message(std::size_t max_depth, std::size_t byte) {
  return fmt::format("JSON nested deeper than {} levels at byte {} (max_json_depth)", max_depth,
                     byte);
}

}  // namespace sluice::adapters
