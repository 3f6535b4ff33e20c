// LoadOptions::keep_fields false (the daemon's load): each pipeline's checked tree is let go
// once its file is checked, and what is read of it later reads the same: the definition as
// `config show`, the API and a reload's diff have it, its hash, and the transform the runtime
// builds.
#include <catch2/catch.hpp>

#include "framework/config/load.hpp"
#include "framework/config/show.hpp"
#include "tests/support/config_samples.hpp"
#include "tests/support/files.hpp"
#include "tests/support/paths.hpp"

using namespace sluice;
namespace fs = std::filesystem;

TEST_CASE("a load that lets the checked trees go reads the same definitions",
          "[config][keep_fields]") {
  test::TempDir dir;
  config::Environment env = config::Environment::fixed({});
  test::write_file(dir.path() / "sluice.yaml", test::kDaemonConfig);
  fs::create_directories(dir.path() / "pipelines.d");
  test::write_file(dir.path() / "pipelines.d" / "a.yaml",
                   test::sample_pipeline("a",
                                         "description: \"caf\\u00e9 \\\"quoted\\\"\"\n"
                                         "tags: [x, y]\n"
                                         "transform:\n"
                                         "  columns:\n"
                                         "    - {name: id, from: id}\n"
                                         "    - {name: total, cast: number}\n"
                                         "notifications:\n"
                                         "  webhooks:\n"
                                         "    - url: https://hooks.example/a\n"));
  test::write_file(dir.path() / "pipelines.d" / "b.yaml", test::sample_pipeline("b"));
  const std::vector<config::CatalogDefinition> catalog{
      {"c", 2, test::sample_pipeline("c", "max_active_windows: 2\n")}};
  config::LoadOptions kept{&env, true};
  kept.catalog = &catalog;
  config::LoadOptions let_go = kept;
  let_go.keep_fields = false;
  const auto a = config::load_config_isolating(dir.path() / "sluice.yaml", kept);
  const auto b = config::load_config_isolating(dir.path() / "sluice.yaml", let_go);
  REQUIRE(a);
  REQUIRE(b);
  REQUIRE(a->pipelines.size() == 3);
  REQUIRE(b->pipelines.size() == 3);
  CHECK(config::effective_config(*a, std::nullopt) == config::effective_config(*b, std::nullopt));
  for (std::size_t i = 0; i < 3; ++i) {
    const auto& full = a->pipelines[i];
    const auto& light = b->pipelines[i];
    CAPTURE(full.id.value);
    CHECK(light.fields.entries().empty());
    CHECK(full.shown.empty());
    CHECK(config::pipeline_config_json(light) == config::pipeline_config_json(full));
    CHECK(config::pipeline_config_json(light).dump() == config::pipeline_config_json(full).dump());
    CHECK(config::pipeline_config_hash(light) == config::pipeline_config_hash(full));
    REQUIRE(bool(light.transform()) == bool(full.transform()));
    if (full.transform())
      CHECK(config::to_json(*light.transform()) == config::to_json(*full.transform()));
    // What the rest of the load gives is the same.
    CHECK(light.text == full.text);
    CHECK(light.source.params.entries().size() == full.source.params.entries().size());
    CHECK(light.tags == full.tags);
  }
  // The section is there with its defaults when the file has none; a's columns are kept.
  REQUIRE(b->pipelines[0].transform());
  CHECK(config::to_json(*b->pipelines[0].transform()).dump().find("amount") == std::string::npos);
  CHECK(config::to_json(*b->pipelines[0].transform()).dump().find("total") != std::string::npos);
}
