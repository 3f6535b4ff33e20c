// `audit.target_count`: its default, what `loaded` binds to, and that `config show` and the
// reference carry it. Refusals, each with its place:
// tests/data/config/broken/pipeline_audit_target_count.
#include <catch2/catch.hpp>

#include "framework/adapters/load_mode.hpp"
#include "framework/config/keys.hpp"
#include "framework/config/load.hpp"
#include "framework/config/show.hpp"
#include "tests/support/config_run.hpp"

using namespace sluice;

namespace {

config::Config loaded_with(const std::string& extra, const std::string& target_lines = "") {
  return test::load_sample_pipeline(target_lines, extra);
}

std::string shown_target_count(const config::Config& c) {
  return config::pipeline_config_json(c.pipelines.at(0))["audit"]["target_count"];
}

}  // namespace

TEST_CASE("audit.target_count defaults to recount, shown by config show", "[config][audit]") {
  const auto plain = loaded_with("");
  CHECK_FALSE(plain.pipelines.at(0).audit_loaded_count);
  CHECK(shown_target_count(plain) == "recount");

  const auto recount = loaded_with("audit:\n  target_count: recount\n");
  CHECK_FALSE(recount.pipelines.at(0).audit_loaded_count);
}

TEST_CASE("audit.target_count loaded binds on a postgres target that replaces or appends",
          "[config][audit]") {
  const auto replace = loaded_with("audit:\n  target_count: loaded\n  max_difference_pct: 1\n");
  CHECK(replace.pipelines.at(0).audit_loaded_count);
  CHECK(replace.pipelines.at(0).max_difference_pct == 1);
  CHECK(shown_target_count(replace) == "loaded");

  const auto append = loaded_with("audit:\n  target_count: loaded\n", "  load: append\n");
  CHECK(append.pipelines.at(0).audit_loaded_count);
  CHECK(adapters::load_settings(append.pipelines.at(0).target.params).mode ==
        adapters::LoadMode::append);
}

TEST_CASE("the reference documents audit.target_count", "[config][audit]") {
  const std::string reference = config::render_key_reference();
  CHECK(reference.find("| `audit.target_count` | one of: recount, loaded | `recount`") !=
        std::string::npos);
}
