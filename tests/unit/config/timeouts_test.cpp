// `timeout` and `tasks.<task>.timeout` in a pipeline file: the default, the values set, what
// the runtime takes from them, and a task's timeout beyond the pipeline's accepted with a
// warning at its place. Hostile values: tests/data/config/broken/pipeline_hostile_timeouts.
#include <catch2/catch.hpp>

#include "framework/config/load.hpp"
#include "tasks/runtime_from_config.hpp"
#include "tests/support/config_samples.hpp"
#include "tests/support/files.hpp"
#include "tests/support/paths.hpp"

using namespace sluice;
using namespace std::chrono_literals;

namespace {

config::Config load(const test::TempDir& dir, const std::string& pipeline_keys) {
  test::write_file(dir.path() / "sluice.yaml", test::kDaemonConfig);
  test::write_file(dir.path() / "pipelines.d" / "events.yaml",
                   std::string(test::kPipelineConfig) + pipeline_keys);
  const auto env = config::Environment::fixed({});
  auto loaded = config::load_config(dir.path() / "sluice.yaml", {&env, true});
  if (!loaded)
    for (const auto& d : loaded.error()) UNSCOPED_INFO(config::to_string(d));
  REQUIRE(loaded);
  return std::move(*loaded);
}

}  // namespace

TEST_CASE("a pipeline's timeout is 6h unless set, and no task has one of its own",
          "[config][timeout]") {
  test::TempDir dir;
  const auto c = load(dir, "");
  const auto& p = c.pipelines.at(0);
  CHECK(p.timeout == time::Duration{0, 6h});
  CHECK(p.task_timeouts.empty());
  CHECK(c.warnings.empty());
  auto runtime = tasks::runtime_from_config(c, p);
  REQUIRE(runtime);
  CHECK((*runtime)->timeouts.window == 6h);
  CHECK((*runtime)->timeouts.tasks.empty());
}

TEST_CASE("timeout and every task's timeout reach the runtime under the task's name",
          "[config][timeout]") {
  test::TempDir dir;
  const auto c = load(dir,
                      "timeout: 2h\n"
                      "tasks:\n"
                      "  pre_validation: {timeout: 5m}\n"
                      "  source_to_stage: {timeout: 1h30m}\n"
                      "  stage_to_target: {timeout: 45m}\n"
                      "  audit: {timeout: 10m}\n");
  const auto& p = c.pipelines.at(0);
  CHECK(p.timeout == time::Duration{0, 2h});
  CHECK(p.task_timeouts.size() == 4);
  CHECK(c.warnings.empty());
  auto runtime = tasks::runtime_from_config(c, p);
  REQUIRE(runtime);
  const auto& t = (*runtime)->timeouts;
  CHECK(t.window == 2h);
  CHECK(t.tasks.at(store::Task::pre_validation) == 5min);
  CHECK(t.tasks.at(store::Task::source_to_stage) == 90min);
  CHECK(t.tasks.at(store::Task::stage_to_target) == 45min);
  CHECK(t.tasks.at(store::Task::audit) == 10min);
}

TEST_CASE("a task's timeout beyond the pipeline's is accepted with a warning at its place",
          "[config][timeout]") {
  test::TempDir dir;
  const auto c = load(dir,
                      "tasks:\n"
                      "  source_to_stage:\n"
                      "    timeout: 8h\n");
  REQUIRE(c.warnings.size() == 1);
  const auto& w = c.warnings[0];
  CHECK(w.where.file == (dir.path() / "pipelines.d" / "events.yaml").string());
  CHECK(w.where.line == 14);
  CHECK(w.where.column == 14);
  CHECK(w.path == "tasks.source_to_stage.timeout");
  CHECK(w.message ==
        "longer than the pipeline's timeout (6h, the default), which ends the "
        "window first");
  CHECK(c.pipelines.at(0).task_timeouts.at("source_to_stage") == time::Duration{0, 8h});
}
