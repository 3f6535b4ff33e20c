#pragma once
// Local files as a source and a target: one file per window, its path rendered from a
// template (`events/{window_start:%Y/%m/%d/%H}.csv.zst`, in UTC), CSV or JSON Lines, zstd
// when the path ends in `.zst` or the config says so.
//
// Source: the file is the window; counted by reading it. A missing file is a retryable error
// by default (it may not have been delivered yet) or, with `missing_file: empty`, an empty
// window. Malformed content is permanent and names file:line; up to 10 places are reported.
// Target: written through a temp file in the same directory, fsync, rename, fsync of the
// directory; a re-run replaces the file whole. Counted by reading it; no file is 0 rows.
#include <filesystem>
#include <memory>

#include "framework/adapters/formats/row_codec.hpp"
#include "framework/adapters/interfaces.hpp"
#include "framework/adapters/registry.hpp"
#include "framework/time/field_template.hpp"

namespace sluice::adapters::file {

struct FileOptions {
  std::filesystem::path root;  // relative templates start here
  time::FieldTemplate path;
  std::optional<formats::Format> format;  // none: from the rendered path's extension
  std::optional<bool> zstd;               // none: from the `.zst` extension
  formats::CsvOptions csv;
  std::vector<Column> columns;  // declared; required for CSV without a header
  bool missing_is_empty = false;
  std::size_t max_json_depth = kDefaultMaxJsonDepth;  // JSON Lines values
};

std::unique_ptr<Source> make_source(FileOptions options);
std::unique_ptr<Target> make_target(FileOptions options);

Result<std::unique_ptr<Source>> source_from_config(const adapters::ConnectionConfig& connection,
                                                   const adapters::EndpointConfig& source);
Result<std::unique_ptr<Target>> target_from_config(const adapters::ConnectionConfig& connection,
                                                   const adapters::EndpointConfig& target);
Result<std::string> probe(const adapters::ConnectionConfig& connection);

// The format a path implies: `.csv`, `.jsonl` or `.ndjson`, each optionally `.zst`.
std::optional<formats::Format> format_of_path(std::string_view path);

}  // namespace sluice::adapters::file
