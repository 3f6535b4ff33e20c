#pragma once
// Checking YAML nodes against key tables; the loader's machinery (yaml-cpp stays out of the
// public headers).
#include <filesystem>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "framework/schema/diagnostic.hpp"
#include "framework/schema/fields.hpp"
#include "framework/schema/key_table.hpp"
#include "framework/schema/secret.hpp"

namespace sluice::config {

struct CheckContext {
  std::string file;                // as diagnostics name it
  std::filesystem::path base_dir;  // relative paths and `${file:...}` resolve from here
  SecretContext secrets;
  Diagnostics* diags = nullptr;

  // yaml-cpp marks are 0-based; diagnostics are 1-based like every editor.
  Location at(const YAML::Mark& mark) const { return {file, mark.line + 1, mark.column + 1}; }
  void error(const Location& where, std::string path, std::string message) const {
    diags->error(where, std::move(path), std::move(message));
  }
  void warning(const Location& where, std::string path, std::string message) const {
    diags->warning(where, std::move(path), std::move(message));
  }
};

// Checks `node` (a mapping, or null/undefined for an absent section) against the keys of
// `tables`: unknown keys (with a did-you-mean), missing required keys and
// each value's type; absent keys take their literal default. `where` is the section's key.
// `lenient`: keys in none of the tables are not reported (their adapter is unknown).
Fields check_section(const YAML::Node& node, const std::vector<const KeyTable*>& tables,
                     const std::string& path, const Location& where, const CheckContext& ctx,
                     bool lenient = false);

// `a mapping`, `a list`, `a string`, `nothing`: for "expected X, got Y".
std::string describe_node(const YAML::Node& node);

// The key `name` of a mapping (for its location) and its value; an undefined node when `map`
// is no mapping or has no such key. (yaml-cpp's const operator[] gives a node that throws
// when asked its type.)
YAML::Node key_node(const YAML::Node& map, std::string_view name);
YAML::Node value_node(const YAML::Node& map, std::string_view name);

}  // namespace sluice::config
