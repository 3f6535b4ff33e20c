#include "framework/transform/sql_expression.hpp"

#include <cctype>
#include <optional>
#include <vector>

namespace sluice::transform {
namespace {

bool name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' ||
         static_cast<unsigned char>(c) >= 0x80;
}

std::string at(std::size_t i) {
  return " at column " + std::to_string(i + 1);
}

// The index just past the quoted text that starts at `i` (a string, a quoted name, or a
// dollar-quoted string), or nullopt when it is not closed.
std::optional<std::size_t> skip_quoted(std::string_view e, std::size_t i) {
  const char q = e[i];
  if (q == '$') {
    const auto close = e.find('$', i + 1);
    const std::string_view tag = e.substr(i, close - i + 1);
    const auto end = e.find(tag, close + 1);
    if (end == std::string_view::npos) return std::nullopt;
    return end + tag.size();
  }
  // E'...' strings take backslash escapes; elsewhere a backslash is an ordinary character.
  const bool escapes = q == '\'' && i > 0 && (e[i - 1] == 'E' || e[i - 1] == 'e') &&
                       (i == 1 || !name_char(e[i - 2]));
  for (std::size_t j = i + 1; j < e.size(); ++j) {
    if (escapes && e[j] == '\\') {
      ++j;
    } else if (e[j] == q) {
      if (j + 1 < e.size() && e[j + 1] == q) {
        ++j;  // a doubled quote stands for itself
      } else {
        return j + 1;
      }
    }
  }
  return std::nullopt;
}

// `$tag$` or `$$` starts a dollar-quoted string; `$1` and the `$` inside a name do not.
bool dollar_quote_at(std::string_view e, std::size_t i) {
  if (i > 0 && name_char(e[i - 1])) return false;
  std::size_t j = i + 1;
  if (j < e.size() && std::isdigit(static_cast<unsigned char>(e[j]))) return false;
  while (j < e.size() && e[j] != '$' && name_char(e[j])) ++j;
  return j < e.size() && e[j] == '$';
}

}  // namespace

std::string check_sql_expression(std::string_view e) {
  if (e.find_first_not_of(" \t\r\n") == std::string_view::npos) return "the expression is empty";
  std::vector<std::size_t> open;
  for (std::size_t i = 0; i < e.size(); ++i) {
    const char c = e[i];
    if (c == '\'' || c == '"' || (c == '$' && dollar_quote_at(e, i))) {
      const auto end = skip_quoted(e, i);
      if (!end) {
        const char* what = c == '"' ? "a quoted name" : "a string";
        return std::string(what) + " opened" + at(i) + " is not closed";
      }
      i = *end - 1;
    } else if ((c == '-' && i + 1 < e.size() && e[i + 1] == '-') ||
               (c == '/' && i + 1 < e.size() && e[i + 1] == '*')) {
      return "a comment" + at(i) + ": the expression is placed inside a statement, write none";
    } else if (c == ';') {
      return "';'" + at(i) + ": one expression, not statements";
    } else if (c == ',' && open.empty()) {
      return "','" + at(i) + " outside parentheses: one expression makes one column";
    } else if (c == '(') {
      open.push_back(i);
    } else if (c == ')') {
      if (open.empty()) return "')'" + at(i) + " closes nothing";
      open.pop_back();
    }
  }
  if (!open.empty()) return "'('" + at(open.back()) + " is not closed";
  return {};
}

}  // namespace sluice::transform
