// Files: CSV (RFC 4180) or JSON Lines, optionally zstd, one path per window.
#include "framework/adapters/file/keys.hpp"
#include "framework/adapters/common_keys.hpp"
#include "framework/adapters/file/file.hpp"
#include "framework/adapters/registry.hpp"
#include "framework/schema/fields.hpp"

using sluice::config::KeyTable;
using sluice::config::KeyType;

namespace sluice::adapters {
namespace {

std::string check_delimiter(std::string_view text) {
  if (text.size() == 1 && text != "\"" && text != "\n" && text != "\r") return {};
  return "the delimiter is one character other than a quote or a line break";
}

const KeyTable& file_connection_keys() {
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
           .description = "File format; `auto`: from the path's extension (`.csv`, `.jsonl`, "
                          "`.ndjson`, each optionally followed by `.zst`).",
           .default_value = "auto",
           .choices = {"auto", "csv", "jsonl"}},
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
          {.name = "csv_null",
           .type = KeyType::string,
           .description = "Unquoted CSV text that means NULL. The default (empty) is "
                          "PostgreSQL's convention: an unquoted empty field is NULL and `\"\"` "
                          "the empty string; a value equal to this text is written quoted.",
           .default_value = "''"},
          {.name = "time_column",
           .type = KeyType::column,
           .description = "Column that holds each row's time; a SQL target takes its "
                          "`time_column` from here. The file is the window: its rows are "
                          "not checked against the window's bounds."},
          {.name = "columns",
           .type = KeyType::string_list,
           .description = "Column names, in order. Required for CSV without a header; for JSON "
                          "Lines they fix the order (default: the first object's keys)."},
      }};
  return t;
}

const KeyTable& source_only_keys() {
  static const KeyTable t{
      "file source",
      "Reading a window's file.",
      {
          {.name = "missing_file",
           .type = KeyType::choice,
           .description = "A window whose file does not exist: `error` (retryable: the file may "
                          "not be delivered yet) or `empty` (the window has no rows).",
           .default_value = "error",
           .choices = {"error", "empty"}},
          max_json_depth_key("Deepest nesting of objects and arrays in a JSON Lines line; a "
                             "deeper one is malformed (permanent, naming file:line)."),
      }};
  return t;
}

void check_endpoint(const config::Fields& section, config::Diagnostics& diags) {
  const auto* path = section.get<time::FieldTemplate>("path");
  if (path && section.string_or("format", "auto") == "auto" && !file::format_of_path(path->text()))
    section.error(
        diags, "path",
        "the extension names no format (.csv, .jsonl, .ndjson, optionally .zst): set `format`");
  const bool csv = section.string_or("format", "auto") == "csv" ||
                   (path && file::format_of_path(path->text()) == formats::Format::csv);
  if (csv && !section.value_or<bool>("csv_header", true) && !section.is_set("columns"))
    section.error(diags, "columns", "CSV without a header needs `columns`");
}

std::optional<bool> zstd_of(std::string_view compression) {
  if (compression == "auto") return std::nullopt;
  return compression == "zstd";
}

// check_delimiter lets through exactly one character.
char delimiter_of(const std::string& text) {
  return text.front();
}

bool is_empty_choice(std::string_view missing_file) {
  return missing_file == "empty";
}

}  // namespace

const config::Binding<file::ConnectionSettings>& file::connection_binding() {
  static const config::Binding<ConnectionSettings> b{file_connection_keys(),
                                                     {{"root", &ConnectionSettings::root}}};
  return b;
}

const config::Binding<file::LayoutSettings>& file::layout_binding() {
  using S = LayoutSettings;
  static const config::Binding<S> b{
      file_keys(),
      {
          {"path", &S::path},
          {"format", &S::format, formats::parse_format},
          {"compression", &S::zstd, zstd_of},
          {"csv_delimiter", &S::csv_delimiter, delimiter_of},
          {"csv_header", &S::csv_header},
          {"csv_null", &S::csv_null},
          {"columns", &S::columns},
      },
      {{"time_column",
        "the config model hands it to a SQL target (build_pipeline.cpp); the file is the "
        "window, its rows are not filtered"}}};
  return b;
}

const config::Binding<file::ReadSettings>& file::read_binding() {
  using S = ReadSettings;
  static const config::Binding<S> b{source_only_keys(),
                                    {
                                        {"missing_file", &S::missing_is_empty, is_empty_choice},
                                        {"max_json_depth", &S::max_json_depth},
                                    }};
  return b;
}

const AdapterInfo& file_adapter() {
  static const AdapterInfo info{
      .kind = "file",
      .description =
          "Local files: source, target (written atomically: temp file, fsync, "
          "rename), and the stage's format.",
      .roles = {Role::source, Role::stage, Role::target},
      .connection_keys = {&file_connection_keys()},
      .source_keys = {&file_keys(), &source_only_keys()},
      .target_keys = {&file_keys()},
      .bindings = {&file::connection_binding(), &file::layout_binding(), &file::read_binding()},
      .check_source = check_endpoint,
      .check_target = check_endpoint,
      .make_source = file::source_from_config,
      .make_target = file::target_from_config,
      .probe = file::probe,
  };
  return info;
}

// Here rather than in file.cpp: the config check uses it, and the config alone (its fuzz
// target) links without the adapter's reading and writing.
std::optional<formats::Format> file::format_of_path(std::string_view path) {
  if (path.ends_with(".zst")) path.remove_suffix(4);
  if (path.ends_with(".csv")) return formats::Format::csv;
  if (path.ends_with(".jsonl") || path.ends_with(".ndjson")) return formats::Format::jsonl;
  return std::nullopt;
}

}  // namespace sluice::adapters
