// Pools in the config: the daemon file's `pools`, a pipeline's `pool`, `pool_slots` and
// `priority`; what the runtime takes from them; every bad value an error at its
// file:line:column; a catalog definition naming a pool this host lacks quarantined alone.
#include <catch2/catch.hpp>

#include "framework/config/load.hpp"
#include "tasks/runtime_from_config.hpp"
#include "tests/support/config_samples.hpp"
#include "tests/support/files.hpp"
#include "tests/support/paths.hpp"

using namespace sluice;

namespace {

// kDaemonConfig is 4 lines: `pools` starts at line 5.
const std::string kWithPools = std::string(test::kDaemonConfig) +
                               "pools:\n"
                               "  warehouse: 4\n"
                               "  api: 1\n";

struct Tree {
  test::TempDir dir;
  config::Environment env = config::Environment::fixed({});

  // kPipelineConfig is 11 lines: `extra` starts at line 12 of events.yaml.
  Tree(const std::string& daemon, const std::string& extra) {
    test::write_file(dir.path() / "sluice.yaml", daemon);
    test::write_file(dir.path() / "pipelines.d" / "events.yaml",
                     std::string(test::kPipelineConfig) + extra);
  }
  std::string pipeline_file() const {
    return (dir.path() / "pipelines.d" / "events.yaml").string();
  }
  std::string daemon_file() const { return (dir.path() / "sluice.yaml").string(); }

  config::Config loaded() const {
    auto c = config::load_config(dir.path() / "sluice.yaml", {&env, true});
    if (!c)
      for (const auto& d : c.error()) UNSCOPED_INFO(config::to_string(d));
    REQUIRE(c);
    return std::move(*c);
  }
  std::vector<config::Diagnostic> errors() const {
    auto c = config::load_config(dir.path() / "sluice.yaml", {&env, true});
    REQUIRE_FALSE(c);
    return c.error();
  }
};

// The one error of a load, as `FILE:LINE:COLUMN: path: message` with the file left out.
std::string only_error(const Tree& t, const std::string& file) {
  const auto errors = t.errors();
  for (const auto& d : errors) UNSCOPED_INFO(config::to_string(d));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].where.file == file);
  return config::to_string(errors[0]).substr(file.size());
}

}  // namespace

TEST_CASE("pools, a pipeline's pool, slots and priority reach the runtime", "[config][pools]") {
  Tree t(kWithPools,
         "pool: warehouse\n"
         "pool_slots: 3\n"
         "priority: -7\n");
  const auto c = t.loaded();
  REQUIRE(c.daemon.pools.size() == 2);
  CHECK(c.daemon.pools[0].name == "warehouse");
  CHECK(c.daemon.pools[0].size == 4);
  CHECK(c.daemon.pools[1].name == "api");
  CHECK(c.daemon.pools[1].size == 1);
  const auto& p = c.pipelines.at(0);
  CHECK(p.pool == "warehouse");
  CHECK(p.pool_slots == 3);
  CHECK(p.priority == -7);
  auto runtime = tasks::runtime_from_config(c, p);
  REQUIRE(runtime);
  CHECK((*runtime)->pool == "warehouse");
  CHECK((*runtime)->pool_slots == 3);
  CHECK((*runtime)->pool_size == 4);
  CHECK((*runtime)->priority == -7);
}

TEST_CASE("a pipeline without pool is in none, takes one slot and has priority 0",
          "[config][pools]") {
  Tree t(test::kDaemonConfig, "");
  const auto c = t.loaded();
  CHECK(c.daemon.pools.empty());
  const auto& p = c.pipelines.at(0);
  CHECK(p.pool.empty());
  CHECK(p.pool_slots == 1);
  CHECK(p.priority == 0);
  auto runtime = tasks::runtime_from_config(c, p);
  REQUIRE(runtime);
  CHECK((*runtime)->pool.empty());
  CHECK((*runtime)->pool_size == 0);
  // A priority alone orders the claims: no pool needed.
  Tree prioritized(test::kDaemonConfig, "priority: 10\n");
  CHECK(prioritized.loaded().pipelines.at(0).priority == 10);
}

TEST_CASE("a pipeline's pool errors are at their file, line and column", "[config][pools]") {
  struct Case {
    const char* name;
    std::string daemon;
    std::string extra;
    std::string error;
  };
  for (const auto& c : std::vector<Case>{
           {"a misspelt pool", kWithPools, "pool: wharehouse\n",
            ":12:7: pool: undefined pool 'wharehouse' (did you mean 'warehouse'?)"},
           {"a pool nothing is close to", kWithPools, "pool: reporting\n",
            ":12:7: pool: undefined pool 'reporting' (defined: warehouse, api)"},
           {"a pool on a host without pools", test::kDaemonConfig, "pool: warehouse\n",
            ":12:7: pool: undefined pool 'warehouse' (the daemon file defines no pools)"},
           {"slots above the pool's size", kWithPools, "pool: api\npool_slots: 2\n",
            ":13:13: pool_slots: 2 slots, but pool 'api' has 1 in the daemon file: no window "
            "of this pipeline could ever run"},
           {"slots without a pool", kWithPools, "pool_slots: 2\n",
            ":12:13: pool_slots: has no effect without `pool`: set the pool it counts in"},
           {"no slots", kWithPools, "pool: warehouse\npool_slots: 0\n",
            ":13:13: pool_slots: must be between 1 and 100000"},
           {"slots in words", kWithPools, "pool: warehouse\npool_slots: two\n",
            ":13:13: pool_slots: expected an integer, got 'two'"},
           {"a fractional priority", kWithPools, "priority: 1.5\n",
            ":12:11: priority: expected an integer, got '1.5'"},
           {"a priority in words", kWithPools, "priority: high\n",
            ":12:11: priority: expected an integer, got 'high'"},
           {"a priority out of range", kWithPools, "priority: 99999999999999999999\n",
            ":12:11: priority: expected an integer, got '99999999999999999999'"},
           {"a pool name that is no identifier", kWithPools, "pool: \"ware house\"\n",
            ":12:7: pool: a pool name is 1 to 63 letters, digits and '_', not starting with a "
            "digit"},
           {"a pool given as a list", kWithPools, "pool: [warehouse]\n",
            ":12:7: pool: expected a string, got a list"},
       }) {
    DYNAMIC_SECTION(c.name) {
      Tree t(c.daemon, c.extra);
      CHECK(only_error(t, t.pipeline_file()) == c.error);
    }
  }
}

TEST_CASE("the daemon file's pools errors are at their line and column", "[config][pools]") {
  struct Case {
    const char* name;
    std::string pools;
    std::string error;
  };
  for (const auto& c : std::vector<Case>{
           {"a size of zero", "pools:\n  warehouse: 0\n",
            ":6:14: pools.warehouse: must be between 1 and 100000"},
           {"a negative size", "pools:\n  warehouse: -2\n",
            ":6:14: pools.warehouse: must be between 1 and 100000"},
           {"a size in words", "pools:\n  warehouse: four\n",
            ":6:14: pools.warehouse: expected an integer, got 'four'"},
           {"a size that is a mapping", "pools:\n  warehouse: {size: 4}\n",
            ":6:14: pools.warehouse: expected an integer, got a mapping"},
           {"a name that is no identifier", "pools:\n  ware-house: 4\n",
            ":6:3: pools.ware-house: a pool name is 1 to 63 letters, digits and '_', not "
            "starting with a digit"},
           {"a name starting with a digit", "pools:\n  1st: 4\n",
            ":6:3: pools.1st: a pool name is 1 to 63 letters, digits and '_', not starting "
            "with a digit"},
           {"a list instead of a mapping", "pools: [warehouse, api]\n",
            ":5:8: pools: expected a mapping of name to integer (1 to 100000), got a list"},
       }) {
    DYNAMIC_SECTION(c.name) {
      Tree t(std::string(test::kDaemonConfig) + c.pools, "");
      const auto errors = t.errors();
      for (const auto& d : errors) UNSCOPED_INFO(config::to_string(d));
      REQUIRE_FALSE(errors.empty());
      CHECK(errors[0].where.file == t.daemon_file());
      CHECK(config::to_string(errors[0]).substr(t.daemon_file().size()) == c.error);
    }
  }
}

TEST_CASE("a pool name given twice is an error at the second", "[config][pools]") {
  Tree t(std::string(test::kDaemonConfig) + "pools:\n  api: 1\n  api: 2\n", "");
  const auto errors = t.errors();
  REQUIRE_FALSE(errors.empty());
  CHECK(errors[0].where.file == t.daemon_file());
  CHECK(errors[0].where.line == 7);
  CHECK(errors[0].message.find("api") != std::string::npos);
}

TEST_CASE("a pipeline naming a pool this host lacks is quarantined alone, file or catalog",
          "[config][pools]") {
  Tree t(test::kDaemonConfig, "");
  test::write_file(t.dir.path() / "pipelines.d" / "orders.yaml",
                   test::sample_pipeline("orders", "pool: warehouse\n"));
  // Valid on a host whose daemon file has the pool `warehouse`; this one has none.
  const std::vector<config::CatalogDefinition> catalog{
      {"loads", 4, test::sample_pipeline("loads", "priority: 3\npool: warehouse\n")}};
  config::LoadOptions options{&t.env, true};
  options.catalog = &catalog;
  auto c = config::load_config_isolating(t.dir.path() / "sluice.yaml", options);
  REQUIRE(c);
  REQUIRE(c->pipelines.size() == 1);
  CHECK(c->pipelines[0].id.value == "events");
  REQUIRE(c->quarantined.size() == 2);
  const auto* loads = c->find_quarantined("loads");
  REQUIRE(loads);
  CHECK(config::config_error_text(*loads) ==
        "config error catalog:loads@v4:13:7: pool: undefined pool 'warehouse' (the daemon file "
        "defines no pools)");
  const auto* orders = c->find_quarantined("orders");
  REQUIRE(orders);
  CHECK(orders->error.where.line == 12);
  CHECK(orders->error.where.column == 7);
  CHECK(orders->error.path == "pool");
}
