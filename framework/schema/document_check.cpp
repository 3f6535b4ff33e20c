#include "framework/schema/document_check.hpp"

#include <yaml-cpp/depthguard.h>

#include <cstdio>
#include <unordered_map>
#include <unordered_set>

#include "framework/schema/credentials.hpp"
#include "framework/schema/file_text.hpp"

namespace sluice::config {
namespace {

// 1-based line and column (in characters) of byte `offset`.
Location location_of(std::string_view text, std::size_t offset, const std::string& file) {
  Location where{file, 1, 1};
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++where.line;
      where.column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++where.column;
    }
  }
  return where;
}

// Where brackets first open kParserDepthLimit deep: the parser's own error has no place.
// Quotes and comments are not understood; the place is a hint for a text the parser has
// already refused.
Location deep_place(std::string_view text, const std::string& file) {
  int depth = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '[' || text[i] == '{') {
      if (++depth >= kParserDepthLimit) return location_of(text, i, file);
    } else if ((text[i] == ']' || text[i] == '}') && depth > 0) {
      --depth;
    }
  }
  return {file, 0, 0};
}

class Walker {
 public:
  Walker(const std::string& file, Diagnostics& diags) : file_(file), diags_(diags) {}

  // Depth first with an explicit stack: the depth of a document is the input's to choose.
  bool walk(const YAML::Node& root) {
    std::vector<Item> stack{{root, "", 0}};
    while (!stack.empty()) {
      Item item = std::move(stack.back());
      stack.pop_back();
      if (++visited_ > kMaxDocumentNodes) {
        diags_.error(at(root.Mark()), "",
                     "the document has more than " + std::to_string(kMaxDocumentNodes) +
                         " nodes, aliases expanded: refused (a YAML alias bomb?)");
        return false;
      }
      if (item.depth > kMaxNestingDepth) {
        diags_.error(at(item.node.Mark()), item.path,
                     "nested deeper than " + std::to_string(kMaxNestingDepth) + " levels");
        return false;
      }
      const YAML::Node& node = item.node;
      if (node.IsScalar()) {
        note_scalar(node.Scalar());
      } else if (node.IsSequence()) {
        for (std::size_t i = node.size(); i-- > 0;) {
          stack.push_back({node[i], item.path + "[" + std::to_string(i) + "]", item.depth + 1});
        }
      } else if (node.IsMap()) {
        map(node, item, stack);
      }
    }
    return true;
  }

 private:
  // YAML::Node's assignment may throw; the walk only pushes and pops items.
  struct Item {  // NOLINT(bugprone-exception-escape)
    YAML::Node node;
    std::string path;
    int depth;
  };

  Location at(const YAML::Mark& mark) const { return {file_, mark.line + 1, mark.column + 1}; }

  void note_scalar(const std::string& text) {
    if (text.find("://") == std::string::npos && text.find('=') == std::string::npos) return;
    if (!credential_parts(text).empty()) diags_.mask(text);
  }

  void map(const YAML::Node& node, const Item& item, std::vector<Item>& stack) {
    std::unordered_map<std::string, YAML::Mark> seen;
    std::vector<Item> children;
    for (const auto& kv : node) {
      const YAML::Node& key = kv.first;
      std::string name;
      if (key.IsScalar()) {
        name = key.Scalar();
        note_scalar(name);
        const auto [first, inserted] = seen.emplace(name, key.Mark());
        // An alias reaches the same mapping again: its duplicates are reported once.
        if (!inserted && reported_.insert({key.Mark().pos, first->second.pos}).second) {
          diags_.error(at(key.Mark()), join_path(item.path, name),
                       "duplicate key '" + shown_scalar(name) + "' (first at " +
                           to_string(at(first->second)) + ")");
        }
      } else {
        children.push_back({key, item.path, item.depth + 1});
      }
      children.push_back({kv.second, join_path(item.path, name), item.depth + 1});
    }
    stack.insert(stack.end(), std::make_move_iterator(children.rbegin()),
                 std::make_move_iterator(children.rend()));
  }

  struct PairHash {
    std::size_t operator()(const std::pair<int, int>& p) const {
      return std::hash<long long>()((static_cast<long long>(p.first) << 32) ^ p.second);
    }
  };

  const std::string& file_;
  Diagnostics& diags_;
  std::size_t visited_ = 0;
  std::unordered_set<std::pair<int, int>, PairHash> reported_;
};

}  // namespace

std::optional<std::vector<YAML::Node>> parse_yaml_text(std::string_view text,
                                                       const std::string& file,
                                                       Diagnostics& diags) {
  if (const auto bad = first_invalid_utf8(text)) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned char>(text[*bad]));
    diags.error(location_of(text, *bad, file), "",
                std::string("not valid UTF-8: byte ") + hex +
                    " (a config file is UTF-8 text; convert it, e.g. iconv -f latin1 -t utf-8)");
    return std::nullopt;
  }
  try {
    return YAML::LoadAll(std::string(text));
  } catch (const YAML::DeepRecursion&) {
    diags.error(deep_place(text, file), "",
                "nested deeper than " + std::to_string(kParserDepthLimit) +
                    " levels, the YAML parser's limit");
  } catch (const YAML::Exception& e) {
    diags.error({file, e.mark.line + 1, e.mark.column + 1}, "", "YAML syntax: " + e.msg);
  }
  return std::nullopt;
}

bool check_document(const YAML::Node& root, const std::string& file, Diagnostics& diags) {
  return Walker(file, diags).walk(root);
}

}  // namespace sluice::config
