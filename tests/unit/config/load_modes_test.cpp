// `target.load` and `target.key`: what a valid section binds to, the default, and what the
// reference says each kind can do. Refusals, each with its place:
// tests/data/config/broken/pipeline_load_modes.
#include <catch2/catch.hpp>

#include "framework/adapters/load_mode.hpp"
#include "framework/config/keys.hpp"
#include "framework/config/load.hpp"
#include "tests/support/config_samples.hpp"
#include "tests/support/files.hpp"
#include "tests/support/paths.hpp"

using namespace sluice;
using adapters::LoadMode;

namespace {

// The events pipeline with `target_lines` added to its target section.
adapters::LoadSettings loaded_with(const std::string& target_lines) {
  test::TempDir dir;
  test::write_file(dir.path() / "sluice.yaml", test::kDaemonConfig);
  std::string pipeline = test::kPipelineConfig;
  const std::string after = "  table: demo.events_copy\n";
  pipeline.insert(pipeline.find(after) + after.size(), target_lines);
  test::write_file(dir.path() / "pipelines.d" / "events.yaml", pipeline);
  const auto env = config::Environment::fixed({});
  auto c = config::load_config(dir.path() / "sluice.yaml", {&env, true});
  if (!c)
    for (const auto& d : c.error()) UNSCOPED_INFO(config::to_string(d));
  REQUIRE(c);
  CHECK(c->warnings.empty());
  return adapters::load_settings(c->pipelines.at(0).target.params);
}

}  // namespace

TEST_CASE("target.load defaults to replace_window and binds mode and key", "[config][load_modes]") {
  CHECK(adapters::load_binding().problems().empty());
  const auto plain = loaded_with("");
  CHECK(plain.mode == LoadMode::replace_window);
  CHECK(plain.key.empty());
  CHECK(loaded_with("  load: append\n").mode == LoadMode::append);
  const auto upsert = loaded_with("  load: upsert\n  key: [id, region]\n");
  CHECK(upsert.mode == LoadMode::upsert);
  CHECK(upsert.key == std::vector<std::string>{"id", "region"});
}

TEST_CASE("the reference says which load modes each kind's target has", "[config][load_modes]") {
  const std::string reference = config::render_key_reference();
  CHECK(reference.find("As a pipeline's `target` (load modes: replace_window, append, upsert)") !=
        std::string::npos);
  CHECK(reference.find("As a pipeline's `target` (load modes: replace_window, upsert)") !=
        std::string::npos);
  CHECK(reference.find("As a pipeline's `target` (load modes: replace_window):") !=
        std::string::npos);
  CHECK(reference.find("| `target.key` | list of strings") != std::string::npos);
  for (auto mode : {LoadMode::replace_window, LoadMode::append, LoadMode::upsert})
    CHECK(adapters::parse_load_mode(adapters::to_string(mode)) == mode);
  CHECK_FALSE(adapters::parse_load_mode("merge"));
}
