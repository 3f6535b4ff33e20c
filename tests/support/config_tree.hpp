#pragma once
// A daemon file (test::kDaemonConfig) and pipeline files in a temporary directory, with
// catalog definitions beside them, loaded with failure isolation.
#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "framework/config/load.hpp"
#include "tests/support/config_samples.hpp"
#include "tests/support/files.hpp"
#include "tests/support/paths.hpp"

namespace sluice::test {

struct ConfigTree {
  TempDir dir;
  config::Environment env = config::Environment::fixed({});
  std::vector<config::CatalogDefinition> catalog;

  explicit ConfigTree(const std::map<std::string, std::string>& files) {
    write_file(dir.path() / "sluice.yaml", kDaemonConfig);
    std::filesystem::create_directories(dir.path() / "pipelines.d");
    for (const auto& [name, text] : files) write_file(dir.path() / "pipelines.d" / name, text);
  }
  // `only`: LoadOptions::only.
  config::Config loaded(const std::vector<std::string>* only = nullptr) const {
    config::LoadOptions options{&env, true};
    options.catalog = &catalog;
    options.only = only;
    auto c = config::load_config_isolating(dir.path() / "sluice.yaml", options);
    if (!c)
      for (const auto& d : c.error()) UNSCOPED_INFO(config::to_string(d));
    REQUIRE(c);
    return std::move(*c);
  }
};

}  // namespace sluice::test
