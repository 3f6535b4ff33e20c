// Files: CSV (RFC 4180) or JSON Lines, optionally zstd, one path per window.
#include "framework/adapters/registry.hpp"

using sluice::config::KeyTable;
using sluice::config::KeyType;

namespace sluice::adapters {
namespace {

std::string check_delimiter(std::string_view text) {
  if (text.size() == 1 && text != "\"" && text != "\n" && text != "\r") return {};
  return "the delimiter is one character other than a quote or a line break";
}

const KeyTable& connection_keys() {
  static const KeyTable t{
      "file connection",
      "A directory that relative path templates start from.",
      {
          {.name = "root",
           .type = KeyType::path,
           .description = "Base directory; relative to the daemon file when relative.",
           .default_value = "."},
      }};
  return t;
}

// Source and target share every key: the same file layout is read and written.
const KeyTable& file_keys() {
  static const KeyTable t{
      "file source / target",
      "One file per window.",
      {
          {.name = "path",
           .type = KeyType::field_template,
           .description = "Path template per window, relative to the connection's `root` "
                          "unless absolute: `events/{window_start:%Y/%m/%d/%H}.csv.zst`.",
           .required = true},
          {.name = "format",
           .type = KeyType::choice,
           .description = "File format.",
           .default_value = "csv",
           .choices = {"csv", "jsonl"}},
          {.name = "compression",
           .type = KeyType::choice,
           .description = "`auto`: zstd when the path ends in `.zst`.",
           .default_value = "auto",
           .choices = {"auto", "none", "zstd"}},
          {.name = "csv_delimiter",
           .type = KeyType::string,
           .description = "CSV field delimiter.",
           .default_value = "','",
           .check = check_delimiter},
          {.name = "csv_header",
           .type = KeyType::boolean,
           .description = "CSV files start with a header line of column names.",
           .default_value = "true"},
          {.name = "time_column",
           .type = KeyType::column,
           .description = "Column that places a row in a window; when set, rows outside the "
                          "window are an error instead of being loaded."},
      }};
  return t;
}

}  // namespace

const AdapterInfo& file_adapter() {
  static const AdapterInfo info{
      .kind = "file",
      .description =
          "Local files: source, target (written atomically: temp file, fsync, "
          "rename), and the stage's format.",
      .roles = {Role::source, Role::stage, Role::target},
      .connection_keys = {&connection_keys()},
      .source_keys = {&file_keys()},
      .target_keys = {&file_keys()},
  };
  return info;
}

}  // namespace sluice::adapters
