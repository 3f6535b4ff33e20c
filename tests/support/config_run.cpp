#include "tests/support/config_run.hpp"

#include <catch2/catch.hpp>

#include "tasks/runtime_from_config.hpp"

namespace sluice::test {

config::Config load_test_config(const std::filesystem::path& daemon_file,
                                const config::Environment& env) {
  auto loaded = config::load_config(daemon_file, {&env, true});
  if (!loaded)
    for (const auto& d : loaded.error()) UNSCOPED_INFO(config::to_string(d));
  REQUIRE(loaded);
  return std::move(*loaded);
}

std::shared_ptr<const tasks::PipelineRuntime> runtime_of(const config::Config& config,
                                                         std::size_t pipeline) {
  REQUIRE(pipeline < config.pipelines.size());
  auto runtime = tasks::runtime_from_config(config, config.pipelines[pipeline]);
  if (!runtime) FAIL(runtime.error().message);
  return *runtime;
}

}  // namespace sluice::test
