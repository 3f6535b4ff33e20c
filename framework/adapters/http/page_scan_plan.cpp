// What a scan follows: the tries of JSON pointers built from the scanner's options.
#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "framework/adapters/http/json_cursor.hpp"
#include "framework/adapters/http/page_scan.hpp"

namespace sluice::adapters::http {
namespace {

using Node = PageScanner::Node;
using Trie = PageScanner::Trie;
using json_text::word_of;

// A JSON pointer's tokens ("~1" is '/', "~0" is '~'), nullopt when it is not a pointer.
std::optional<std::vector<std::string>> pointer_tokens(std::string_view pointer) {
  std::vector<std::string> tokens;
  if (pointer.empty()) return tokens;
  if (pointer.front() != '/') return std::nullopt;
  for (std::size_t pos = 1;;) {
    const auto slash = pointer.find('/', pos);
    const auto raw = pointer.substr(pos, slash == std::string_view::npos ? slash : slash - pos);
    std::string token;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '~') {
        token += raw[i];
      } else if (i + 1 < raw.size() && (raw[i + 1] == '0' || raw[i + 1] == '1')) {
        token += raw[++i] == '0' ? '~' : '/';
      } else {
        return std::nullopt;
      }
    }
    tokens.push_back(std::move(token));
    if (slash == std::string_view::npos) return tokens;
    pos = slash + 1;
  }
}

// A token as an array index: digits without a leading zero (nlohmann's rule), else -1.
std::int64_t array_index(std::string_view token) {
  if (token.empty() || token.size() > 18 || (token.size() > 1 && token[0] == '0')) return -1;
  std::int64_t value = 0;
  for (char c : token) {
    if (c < '0' || c > '9') return -1;
    value = value * 10 + (c - '0');
  }
  return value;
}

// Adds the path to the trie with `slot` at its end (Node::kRecordsMark: the records array).
void add_path(Trie& trie, const std::vector<std::string>& tokens, int slot) {
  int node = 0;
  for (const auto& token : tokens) {
    int next = -1;
    for (const auto& child : trie[node].children)
      if (child.key == token) next = child.node;
    if (next < 0) {
      next = static_cast<int>(trie.size());
      trie.emplace_back();
      char padded[8] = {};
      std::copy_n(token.data(), std::min<std::size_t>(token.size(), 8), padded);
      trie[node].children.push_back({token, array_index(token), next,
                                     word_of(padded, std::min<std::size_t>(token.size(), 8))});
    }
    node = next;
    trie[node].below.push_back(slot);
  }
  if (slot == Node::kRecordsMark) {
    trie[node].records = true;
  } else {
    trie[node].slots.push_back(slot);
  }
}

bool is_prefix(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  return a.size() <= b.size() && std::equal(a.begin(), a.end(), b.begin());
}

}  // namespace

Result<PageScanner> PageScanner::make(Options options) {
  PageScanner s;
  s.page_.emplace_back();
  s.record_.emplace_back();
  const auto invalid = [](std::string_view what, std::string_view pointer) {
    return fail(Error::permanent(fmt::format("{}: invalid JSON pointer '{}'", what, pointer)));
  };
  const auto records = pointer_tokens(options.records_pointer);
  if (!records) return invalid("records", options.records_pointer);
  add_path(s.page_, *records, Node::kRecordsMark);
  for (std::size_t i = 0; i < options.columns.size(); ++i) {
    const auto tokens = pointer_tokens(options.columns[i]);
    if (!tokens) return invalid(fmt::format("column {}", i + 1), options.columns[i]);
    add_path(s.record_, *tokens, static_cast<int>(i));
  }
  if (options.next_at != NextAt::nowhere) {
    const auto tokens = pointer_tokens(options.next_pointer);
    if (!tokens) return invalid("next", options.next_pointer);
    if (options.next_at == NextAt::last_record) {
      add_path(s.record_, *tokens, static_cast<int>(options.columns.size()));
    } else if (is_prefix(*tokens, *records) || is_prefix(*records, *tokens)) {
      s.next_needs_dom_ = true;
    } else {
      add_path(s.page_, *tokens, 0);
    }
  }
  s.options_ = std::move(options);
  return s;
}

}  // namespace sluice::adapters::http
