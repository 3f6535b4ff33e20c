#include "framework/schema/scalar_position.hpp"

#include <algorithm>
#include <vector>

#include "framework/schema/document_check.hpp"
#include "framework/schema/file_text.hpp"

namespace sluice::config {
namespace {

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    const auto eol = text.find('\n');
    out.push_back(text.substr(0, eol));
    if (eol == std::string_view::npos) break;
    text.remove_prefix(eol + 1);
  }
  return out;
}

}  // namespace

Location locate_in_scalar(const Location& value, std::string_view scalar, std::size_t offset) {
  if (value.line < 1 || value.column < 1 || offset >= scalar.size()) return value;
  // Runs only for an error, on a file the loader has read already.
  const auto text = read_regular_file(value.file, kMaxConfigFileBytes);
  if (!text) return value;
  const auto lines = lines_of(*text);
  const auto line = static_cast<std::size_t>(value.line - 1);
  const auto column = static_cast<std::size_t>(value.column - 1);
  if (line >= lines.size() || column >= lines[line].size()) return value;
  const std::string_view head = lines[line];
  const std::string_view before = scalar.substr(0, offset);
  const auto newlines = static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
  const std::size_t in_line =
      offset - (before.rfind('\n') == std::string_view::npos ? 0 : before.rfind('\n') + 1);
  const auto at = [&](std::size_t l, std::size_t c) -> Location {
    // The character must be there: anything else means the mapping guessed wrong.
    if (l >= lines.size() || c >= lines[l].size() || lines[l][c] != scalar[offset]) return value;
    return {value.file, static_cast<int>(l + 1), static_cast<int>(c + 1)};
  };
  if (head[column] == '|') {
    // A literal block keeps its lines one for one, each after the block's indentation (that
    // of its first line that is not blank).
    std::size_t indent = std::string_view::npos;
    for (std::size_t l = line + 1; l < lines.size() && indent == std::string_view::npos; ++l) {
      const auto first = lines[l].find_first_not_of(' ');
      if (first != std::string_view::npos && first < lines[l].size()) indent = first;
    }
    if (indent == std::string_view::npos) return value;
    return at(line + 1 + newlines, indent + in_line);
  }
  if (newlines > 0) return value;
  const bool quoted = head[column] == '"' || head[column] == '\'';
  const std::size_t start = column + (quoted ? 1 : 0);
  // Escapes or doubled quotes would shift the columns: only a value written as it reads.
  if (head.substr(start, scalar.size()) != scalar) return value;
  return at(line, start + offset);
}

}  // namespace sluice::config
