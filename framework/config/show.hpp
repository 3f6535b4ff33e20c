#pragma once
// `sluicectl config show`: the effective configuration (every key, defaults filled in,
// secrets redacted) as JSON or YAML.
#include <iosfwd>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "framework/config/database_url.hpp"
#include "framework/config/load.hpp"
#include "framework/config/model.hpp"

namespace sluice::config {

// {file, database_url: {value, from}, daemon: {..., connections}, pipelines: {ID: {...}}}.
nlohmann::ordered_json effective_config(const Config& config,
                                        const std::optional<DatabaseUrl>& database);

// One pipeline of that: {file, ...its keys}, secrets redacted.
nlohmann::ordered_json pipeline_config_json(const PipelineConfig& pipeline);
// pipeline_config_json as PipelineConfig::shown keeps it once `fields` is let go: its JSON
// text compressed (zstd), a fifth of the text's size, since a daemon holds it for each of
// thousands of pipelines and reads it only at a reload and for the API's pipeline view.
std::string packed_config_json(const PipelineConfig& pipeline);

// A digest of the pipeline's definition (pipeline_config_json without the file's path: equal
// on every host that loaded the same text from wherever), 16 hex digits. Secrets are redacted
// before hashing, so the digest says nothing of them.
std::string pipeline_config_hash(const PipelineConfig& pipeline);

// One named connection's keys, secrets redacted.
nlohmann::ordered_json connection_config_json(const ConnectionConfig& connection);

// [{file, line, column, path, message}] for `-o json`.
nlohmann::ordered_json diagnostics_json(const Diagnosed& diagnostics);

// One `FILE:LINE:COLUMN: key.path: message` line each, then `FILE: N error(s)`.
void print_diagnostics(std::ostream& out, const std::string& config_file,
                       const Diagnosed& diagnostics);

// Block-style YAML of a JSON value; strings that YAML would read as something else are quoted.
std::string to_yaml(const nlohmann::ordered_json& value);

}  // namespace sluice::config
