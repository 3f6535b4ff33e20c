#pragma once
// Loading and validating the configuration. Nothing is half-loaded: either every file is
// valid and the whole Config comes back, or every problem found in every file does, sorted
// by file and line (`FILE:LINE:COLUMN: key.path: message`).
#include <filesystem>
#include <vector>

#include <tl/expected.hpp>

#include "framework/config/model.hpp"
#include "framework/schema/diagnostic.hpp"
#include "framework/schema/secret.hpp"

namespace sluice::config {

struct LoadOptions {
  const Environment* env = nullptr;  // secrets and CREDENTIALS_DIRECTORY; the process's if null
  bool resolve_secrets = true;       // false: check reference syntax only (CI without secrets)
};

using Diagnosed = std::vector<Diagnostic>;

// The daemon file and every pipeline file of its pipelines_dir.
tl::expected<Config, Diagnosed> load_config(const std::filesystem::path& daemon_file,
                                            const LoadOptions& options = {});

// The daemon file alone (database, connections...), for commands that need no pipeline.
tl::expected<DaemonConfig, Diagnosed> load_daemon_config(const std::filesystem::path& daemon_file,
                                                         const LoadOptions& options = {});

// The pipeline files `pipelines_dir` holds: `*.yaml` and `*.yml`, not hidden, in name order.
std::vector<std::filesystem::path> pipeline_files(const std::filesystem::path& pipelines_dir);

}  // namespace sluice::config
