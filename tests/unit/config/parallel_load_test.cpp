// The loader reads and checks the pipeline files on several threads (past 64 files): the
// result is the one-thread load's, in name order, each file with its own errors. Tagged
// [threads]: the ThreadSanitizer build runs it.
#include <fmt/format.h>
#include <catch2/catch.hpp>

#include "framework/config/load.hpp"
#include "tests/support/config_samples.hpp"
#include "tests/support/files.hpp"
#include "tests/support/paths.hpp"

using namespace sluice;
namespace fs = std::filesystem;

namespace {

struct Tree {
  test::TempDir dir;
  config::Environment env = config::Environment::fixed({});

  explicit Tree(const std::map<std::string, std::string>& pipelines) {
    test::write_file(dir.path() / "sluice.yaml", test::kDaemonConfig);
    fs::create_directories(dir.path() / "pipelines.d");
    for (const auto& [name, text] : pipelines) test::write_file(file(name), text);
  }
  fs::path file(const std::string& name) const { return dir.path() / "pipelines.d" / name; }
};

}  // namespace

TEST_CASE(
    "a tree of 300 files, read on several threads, loads in name order with each file's "
    "own errors",
    "[config][threads]") {
  // Past the loader's one-thread threshold (64 files per reader); every 7th file broken, at
  // a place of its own, so an error attached to the wrong file would show.
  std::map<std::string, std::string> files;
  std::vector<std::string> good, broken;
  for (int i = 0; i < 300; ++i) {
    const std::string id = fmt::format("p{:03}", i);
    std::string text = test::sample_pipeline(id);
    if (i % 7 == 3) {
      text.replace(text.find("granularity: 1h"), 15, "granularity: " + std::to_string(i) + "q");
      broken.push_back(id);
    } else {
      good.push_back(id);
    }
    files.emplace(id + ".yaml", text);
  }
  Tree tree(files);
  const auto c = config::load_config_isolating(tree.dir.path() / "sluice.yaml", {&tree.env, true});
  REQUIRE(c);
  std::vector<std::string> loaded;
  for (const auto& p : c->pipelines) loaded.push_back(p.id.value);
  CHECK(loaded == good);
  REQUIRE(c->quarantined.size() == broken.size());
  for (std::size_t k = 0; k < broken.size(); ++k) {
    const auto& q = c->quarantined[k];
    CHECK(q.pipeline.value == broken[k]);
    CHECK(q.file == tree.file(broken[k] + ".yaml"));
    CHECK(q.error.path == "window.granularity");
    CHECK_THAT(q.error.message,
               Catch::Contains(std::to_string(std::stoi(broken[k].substr(1))) + "q"));
  }
  // validate's strict load reports every broken file, in name order.
  const auto strict = config::load_config(tree.dir.path() / "sluice.yaml", {&tree.env, true});
  REQUIRE_FALSE(strict);
  std::vector<std::string> reported;
  for (const auto& d : strict.error()) reported.push_back(fs::path(d.where.file).stem().string());
  CHECK(reported == broken);
}
