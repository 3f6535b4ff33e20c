#pragma once
// A test's config files loaded as sluiced loads them, and one of its pipelines as the runner
// runs it: what the chain tests that start from YAML share. A config that does not load fails
// the test with every diagnostic shown.
#include <filesystem>
#include <memory>
#include <string>

#include "framework/config/load.hpp"
#include "tasks/pipeline_runtime.hpp"

namespace sluice::test {

config::Config load_test_config(const std::filesystem::path& daemon_file,
                                const config::Environment& env);

// The sample config (config_samples.hpp: `events`, postgres to postgres) with `target_lines`
// added to the pipeline's target section and `extra` lines appended; it must load without a
// warning.
config::Config load_sample_pipeline(const std::string& target_lines, const std::string& extra = "");

std::shared_ptr<const tasks::PipelineRuntime> runtime_of(const config::Config& config,
                                                         std::size_t pipeline = 0);

}  // namespace sluice::test
