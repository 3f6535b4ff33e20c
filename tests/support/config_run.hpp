#pragma once
// A test's config files loaded as sluiced loads them, and one of its pipelines as the runner
// runs it: what the chain tests that start from YAML share. A config that does not load fails
// the test with every diagnostic shown.
#include <filesystem>
#include <memory>

#include "framework/config/load.hpp"
#include "tasks/pipeline_runtime.hpp"

namespace sluice::test {

config::Config load_test_config(const std::filesystem::path& daemon_file,
                                const config::Environment& env);

std::shared_ptr<const tasks::PipelineRuntime> runtime_of(const config::Config& config,
                                                         std::size_t pipeline = 0);

}  // namespace sluice::test
