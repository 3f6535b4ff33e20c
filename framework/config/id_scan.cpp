#include "framework/config/id_scan.hpp"

namespace sluice::config {
namespace {

bool key_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool id_char(char c) {
  return key_start(c) || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

// `KEY: ...` or `KEY:` at column 0 with a plain key of word characters: its key, else empty.
std::string_view plain_key(std::string_view line) {
  if (line.empty() || !key_start(line.front())) return {};
  std::size_t i = 1;
  while (i < line.size() && id_char(line[i]) && line[i] != '.' && line[i] != '-') ++i;
  if (i >= line.size() || line[i] != ':') return {};
  if (i + 1 < line.size() && line[i + 1] != ' ') return {};
  return line.substr(0, i);
}

// The value of an `id: VALUE` line: a scalar of id characters, plain or in matching quotes,
// then nothing but spaces and a comment.
std::optional<std::string> id_value(std::string_view rest) {
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  char quote = 0;
  if (!rest.empty() && (rest.front() == '"' || rest.front() == '\'')) {
    quote = rest.front();
    rest.remove_prefix(1);
  }
  std::size_t n = 0;
  while (n < rest.size() && id_char(rest[n])) ++n;
  if (n == 0) return std::nullopt;
  std::string value(rest.substr(0, n));
  rest.remove_prefix(n);
  if (quote) {
    if (rest.empty() || rest.front() != quote) return std::nullopt;
    rest.remove_prefix(1);
  }
  // A comment needs a space before it; anything else continues the scalar.
  std::size_t spaces = 0;
  while (spaces < rest.size() && rest[spaces] == ' ') ++spaces;
  rest.remove_prefix(spaces);
  if (!rest.empty() && (spaces == 0 || rest.front() != '#')) return std::nullopt;
  return value;
}

}  // namespace

std::optional<std::string> scanned_id(std::string_view text) {
  std::optional<std::string> id;
  bool keys_seen = false, id_last = false;
  while (!text.empty()) {
    const auto end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (line.find('\r') != std::string_view::npos || line.find('\t') != std::string_view::npos)
      return std::nullopt;
    const bool indented = !line.empty() && line.front() == ' ';
    // An indented line below the id's, blank lines and comments between: the value could go
    // on there (a multi-line plain scalar).
    if (id_last && indented) return std::nullopt;
    if (line.empty() || indented || line.front() == '#') continue;
    id_last = false;
    if (line.starts_with("---")) {
      // One document start, before any key: `---`, maybe with a comment.
      const auto rest = line.substr(3);
      if (keys_seen || id || (!rest.empty() && !rest.starts_with(" #") && rest != " "))
        return std::nullopt;
      keys_seen = true;
      continue;
    }
    const auto key = plain_key(line);
    if (key.empty()) return std::nullopt;
    keys_seen = true;
    if (key != "id") continue;
    if (id) return std::nullopt;  // twice: the YAML decides which, or refuses both
    id = id_value(line.substr(key.size() + 1));
    if (!id) return std::nullopt;
    id_last = true;
  }
  return id;
}

}  // namespace sluice::config
