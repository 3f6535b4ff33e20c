#pragma once
// The file adapter's keys, typed (keys.cpp binds them next to their tables).
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "framework/adapters/formats/row_codec.hpp"
#include "framework/schema/bind.hpp"

namespace sluice::adapters::file {

struct ConnectionSettings {
  std::string root;
};
const config::Binding<ConnectionSettings>& connection_binding();

// What a source and a target share: the layout of a window's file.
struct LayoutSettings {
  time::FieldTemplate path;
  std::optional<formats::Format> format;  // none: from the path's extension
  std::optional<bool> zstd;               // none: from the `.zst` extension
  char csv_delimiter;
  bool csv_header;
  std::string csv_null;
  std::vector<std::string> columns;
};
const config::Binding<LayoutSettings>& layout_binding();

// A source's own keys.
struct ReadSettings {
  bool missing_is_empty;
  std::size_t max_json_depth;
};
const config::Binding<ReadSettings>& read_binding();

}  // namespace sluice::adapters::file
