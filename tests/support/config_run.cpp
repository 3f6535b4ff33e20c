#include "tests/support/config_run.hpp"

#include <catch2/catch.hpp>

#include "tasks/runtime_from_config.hpp"
#include "tests/support/config_samples.hpp"
#include "tests/support/files.hpp"
#include "tests/support/paths.hpp"

namespace sluice::test {

config::Config load_test_config(const std::filesystem::path& daemon_file,
                                const config::Environment& env) {
  auto loaded = config::load_config(daemon_file, {&env, true});
  if (!loaded)
    for (const auto& d : loaded.error()) UNSCOPED_INFO(config::to_string(d));
  REQUIRE(loaded);
  return std::move(*loaded);
}

config::Config load_sample_pipeline(const std::string& target_lines, const std::string& extra) {
  TempDir dir;
  write_file(dir.path() / "sluice.yaml", kDaemonConfig);
  std::string pipeline = kPipelineConfig + extra;
  const std::string after = "  table: demo.events_copy\n";
  pipeline.insert(pipeline.find(after) + after.size(), target_lines);
  write_file(dir.path() / "pipelines.d" / "events.yaml", pipeline);
  const auto env = config::Environment::fixed({});
  auto c = load_test_config(dir.path() / "sluice.yaml", env);
  CHECK(c.warnings.empty());
  return c;
}

std::shared_ptr<const tasks::PipelineRuntime> runtime_of(const config::Config& config,
                                                         std::size_t pipeline) {
  REQUIRE(pipeline < config.pipelines.size());
  auto runtime = tasks::runtime_from_config(config, config.pipelines[pipeline]);
  if (!runtime) FAIL(runtime.error().message);
  return *runtime;
}

}  // namespace sluice::test
