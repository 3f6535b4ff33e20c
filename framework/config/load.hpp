#pragma once
// Loading and validating the configuration. load_config loads nothing half: either every
// file is valid and the whole Config comes back, or every problem found in every file does,
// sorted by file and line (`FILE:LINE:COLUMN: key.path: message`). load_config_isolating
// (failure isolation: the daemon, `sluicectl status`) fails only on the daemon file: a
// pipeline file with errors is quarantined and the others load.
#include <filesystem>
#include <string>
#include <vector>

#include <tl/expected.hpp>

#include "framework/config/model.hpp"
#include "framework/schema/diagnostic.hpp"
#include "framework/schema/secret.hpp"

namespace sluice::config {

// A pipeline definition of the catalog (pipeline_definitions): a second source of pipelines
// beside the pipeline files. It is read and checked like a file named `catalog:ID`, its
// diagnostics at `catalog:ID@vVERSION:LINE:COLUMN`, relative paths against the daemon
// file's directory. When a file has the same id, the catalog's definition is the one
// loaded and the file is quarantined, its error naming both: a fleet runs one definition
// of an id, and the catalog is the fleet's.
struct CatalogDefinition {
  std::string id;
  int version = 0;  // 0: a definition being submitted (`catalog:ID@new`)
  std::string yaml;
};

// `catalog:ID`, the `file` of a catalog pipeline, and the name its diagnostics carry.
std::string catalog_file(std::string_view id);
std::string catalog_location(const CatalogDefinition& d);
inline constexpr std::string_view kCatalogPrefix = "catalog:";

struct LoadOptions {
  const Environment* env = nullptr;  // secrets and CREDENTIALS_DIRECTORY; the process's if null
  bool resolve_secrets = true;       // false: check reference syntax only (CI without secrets)
  const std::vector<CatalogDefinition>* catalog = nullptr;  // none: the files alone
  // The pipelines of these ids alone, with their upstreams (depends_on, transitively): the
  // other pipeline files are read but not built, their top-level `id` taken from the text
  // (id_scan.hpp), so a command naming a few pipelines does not pay for the fleet. Each
  // pipeline of these ids is loaded, or quarantined, as a load of every file would do it:
  // every file its checks across files look at (the files sharing its id, the graph above
  // it) is built too. Only the messages that list the fleet's ids differ (an unknown
  // upstream's "did you mean"): a caller that shows a quarantined one's error loads every
  // file for it. None: every pipeline.
  const std::vector<std::string>* only = nullptr;
  // false: each pipeline's `fields` is emptied once its file is checked (what is read of it
  // later is kept apart: PipelineConfig::shown, transform_fields), so a daemon holding
  // thousands of pipelines does not hold their checked trees, nor at its peak.
  bool keep_fields = true;
};

using Diagnosed = std::vector<Diagnostic>;

// The daemon file and every pipeline file of its pipelines_dir.
tl::expected<Config, Diagnosed> load_config(const std::filesystem::path& daemon_file,
                                            const LoadOptions& options = {});

// Failure isolation: an error of the daemon file (or of its pipelines_dir) fails the whole
// load as load_config does; a pipeline file with errors (its own, an undefined connection,
// an id another file has) goes to Config::quarantined and the other files load. Of files
// sharing an id, the first valid one in file-name order is loaded.
tl::expected<Config, Diagnosed> load_config_isolating(const std::filesystem::path& daemon_file,
                                                      const LoadOptions& options = {});

// `config error FILE:LINE:COLUMN: key: message`, with ` (running the previous definition)`
// after `config error` when kept_previous.
std::string config_error_text(const Quarantined& q);

// The daemon file alone (database, connections...), for commands that need no pipeline.
tl::expected<DaemonConfig, Diagnosed> load_daemon_config(const std::filesystem::path& daemon_file,
                                                         const LoadOptions& options = {});

// The pipeline files `pipelines_dir` holds: `*.yaml` and `*.yml`, not hidden, in name order.
std::vector<std::filesystem::path> pipeline_files(const std::filesystem::path& pipelines_dir);

}  // namespace sluice::config
