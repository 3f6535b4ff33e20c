// `target.load` and `target.key`: what a valid section binds to, the default, and what the
// reference says each kind can do. Refusals, each with its place:
// tests/data/config/broken/pipeline_load_modes.
#include <catch2/catch.hpp>

#include "framework/adapters/load_mode.hpp"
#include "framework/config/keys.hpp"
#include "framework/config/load.hpp"
#include "tests/support/config_run.hpp"

using namespace sluice;
using adapters::LoadMode;

namespace {

adapters::LoadSettings loaded_with(const std::string& target_lines) {
  return adapters::load_settings(
      test::load_sample_pipeline(target_lines).pipelines.at(0).target.params);
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
