#include "framework/schema/identifier.hpp"

#include <cctype>

#include <fmt/format.h>

namespace sluice::config {
namespace {

constexpr std::size_t kMaxPart = 63;

std::string check_parts(std::string_view text, std::size_t max_parts) {
  const std::string quoted = "'" + std::string(text) + "'";
  if (text.empty()) return "empty SQL identifier";
  const auto parts = split_identifier(text);
  if (parts.size() > max_parts) {
    return "invalid SQL identifier " + quoted +
           (max_parts == 1 ? ": a column name has no '.'" : ": at most schema.table");
  }
  std::size_t offset = 0;
  for (const auto& part : parts) {
    if (part.empty()) return "invalid SQL identifier " + quoted + ": empty name around '.'";
    if (std::isdigit(static_cast<unsigned char>(part.front()))) {
      return fmt::format(
          "invalid SQL identifier {}: '{}' starts with a digit (start with a letter or _)", quoted,
          part);
    }
    for (std::size_t i = 0; i < part.size(); ++i) {
      const auto c = static_cast<unsigned char>(part[i]);
      if (!(std::isalnum(c) || c == '_') || c >= 0x80) {
        return fmt::format(
            "invalid SQL identifier {}: '{}' at character {} is not allowed (letters, digits and "
            "_)",
            quoted, part[i], offset + i + 1);
      }
    }
    if (part.size() > kMaxPart) {
      return fmt::format("invalid SQL identifier {}: '{}' is longer than 63 characters", quoted,
                         part);
    }
    offset += part.size() + 1;
  }
  return {};
}

}  // namespace

std::vector<std::string> split_identifier(std::string_view text) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const auto dot = text.find('.', start);
    parts.emplace_back(text.substr(start, dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return parts;
}

std::string check_table_name(std::string_view text) {
  return check_parts(text, 2);
}
std::string check_column_name(std::string_view text) {
  return check_parts(text, 1);
}

}  // namespace sluice::config
