// Naming conventions per layer (framework/config/naming.*): the check of a `naming` pattern,
// the layer a target table's name implies, and a pipeline's `layer` checked against its
// pattern at both levels (warn: a warning; error: an error that quarantines the file).
// Broken daemon and pipeline files: tests/data/config/broken/naming_*.
#include <chrono>

#include <catch2/catch.hpp>

#include "framework/config/load.hpp"
#include "framework/config/naming.hpp"
#include "tests/support/files.hpp"
#include "tests/support/paths.hpp"

using namespace sluice;
using config::Layer;

namespace {

config::NamingConfig warehouse_naming() {
  return {{{Layer::source, "^src_"},
           {Layer::intermediate, "^int_"},
           {Layer::fact, "_fct_"},
           {Layer::dimension, "_dim_"},
           {Layer::view, "_mv_"}},
          false};
}

std::string daemon_file(const std::string& naming) {
  return "connections:\n  pg: {kind: postgres, url: postgresql://sluice@localhost/sluice}\n" +
         naming;
}

std::string pipeline_file(const std::string& id, const std::string& target,
                          const std::string& layer) {
  std::string text = "id: " + id +
                     "\nsource:\n  connection: pg\n  table: raw.orders\n  time_column: t\n"
                     "target:\n  connection: pg\n  table: " +
                     target + "\nwindow:\n  granularity: 1h\n  start_date: 2024-03-01\n";
  if (!layer.empty()) text += "layer: " + layer + "\n";
  return text;
}

}  // namespace

TEST_CASE("a naming pattern is a regular expression that cannot stall a load", "[config][naming]") {
  const std::string re = "not a regular expression RE2 accepts: ";
  const std::vector<std::pair<std::string, std::string>> cases{
      {"^src_", ""},
      {"_fct_", ""},
      {"_(fct|fact)_", ""},
      {"^[a-z]+_[a-z]+_fct_[a-z0-9]+$", ""},
      // Exponential for a backtracking matcher, linear for RE2.
      {"(a+)+b", ""},
      {"(a|a)*(a|aa)*(a?)*c", ""},
      {"(a{20}){20}", ""},
      {".{1000}", ""},
      {"", "an empty pattern matches every name"},
      {std::string(257, 'x'), "longer than 256 characters"},
      {"a{1001}", re + "invalid repetition size: {1001}"},
      {"((a{10}){10}){11}", re + "invalid repetition size: {11}"},
      {"(\\pL{100}){10}", re + "pattern too large - compile failed (its automaton needs more "
                               "than 1 MiB; a table name has at most 63 characters)"},
      {"_fct_(", re + "missing ): _fct_("},
      {"[a-", re + "missing ]: [a-"},
      {"[z-a]", re + "invalid character class range: z-a"},
      {"a{2,1}", re + "invalid repetition size: {2,1}"},
      {"(a)\\1", re + "invalid escape sequence: \\1"},
      {"\\", re + "trailing \\"},
  };
  for (const auto& [pattern, problem] : cases) {
    INFO(pattern);
    CHECK(config::check_naming_pattern(pattern) == problem);
  }
}

TEST_CASE("catastrophic patterns match a 63-character name at once", "[config][naming]") {
  config::NamingConfig naming;
  naming.patterns = {{Layer::fact, "(a+)+b"}, {Layer::view, "(a|a)*(a|aa)*(a?)*c"}};
  const config::NamingRules rules(naming);
  const auto start = std::chrono::steady_clock::now();
  CHECK(rules.matches(Layer::fact, std::string(63, 'a')) == false);
  CHECK(rules.matches(Layer::view, std::string(63, 'a')) == false);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));
}

TEST_CASE("the layer a target table's name implies: the one pattern it matches",
          "[config][naming]") {
  const config::NamingRules rules(warehouse_naming());
  const std::vector<std::pair<std::string, std::optional<Layer>>> cases{
      {"src_orders", Layer::source},      {"int_orders_clean", Layer::intermediate},
      {"orders_fct_daily", Layer::fact},  {"shop_dim_customers", Layer::dimension},
      {"sales_mv_weekly", Layer::view},   {"orders", std::nullopt},
      {"raw_src_orders", std::nullopt},    // `^src_` is anchored
      {"int_orders_fct_x", std::nullopt},  // two layers: none
  };
  for (const auto& [name, layer] : cases) {
    INFO(name);
    CHECK(rules.infer(name) == layer);
  }
  CHECK(rules.matches(Layer::fact, "orders_fct_daily") == true);
  CHECK(rules.matches(Layer::fact, "orders_daily") == false);
  CHECK_FALSE(config::NamingRules({}).matches(Layer::fact, "x").has_value());
}

TEST_CASE("a pipeline's layer and its target table at both naming levels", "[config][naming]") {
  struct Case {
    const char* name;
    std::string naming;   // the daemon file's section
    std::string target;   // the pipeline's target table
    std::string layer;    // its `layer`, or empty
    std::string warning;  // expected, or empty
    std::string error;    // expected (the file is quarantined), or empty
    std::optional<Layer> loaded_layer;
    bool inferred = false;
  };
  const std::string fact_naming = "naming: {fact: _fct_, source: '^src_'}\n";
  const std::string strict = "naming: {fact: _fct_, source: '^src_', level: error}\n";
  const std::string violation =
      "target.table: 'orders_daily' does not match '_fct_' (naming.fact), "
      "the pattern of layer fact";
  const std::vector<Case> cases{
      {"a name that matches", fact_naming, "demo.orders_fct_daily", "fact", "", "", Layer::fact,
       false},
      {"warn: a violation is a warning", fact_naming, "demo.orders_daily", "fact",
       "8:10: " + violation, "", Layer::fact, false},
      {"error: a violation quarantines the file", strict, "demo.orders_daily", "fact", "",
       "8:10: " + violation, std::nullopt, false},
      {"a layer without a pattern is not checked", fact_naming, "demo.orders_daily", "view", "", "",
       Layer::view, false},
      {"no layer: inferred from the pattern it matches", fact_naming, "src_orders", "", "", "",
       Layer::source, true},
      {"no layer and no match: none", fact_naming, "orders", "", "", "", std::nullopt, false},
      {"no naming: the layer as set, nothing checked", "", "demo.orders_daily", "fact", "", "",
       Layer::fact, false},
  };
  for (const auto& c : cases) {
    SECTION(c.name) {
      test::TempDir dir;
      test::write_file(dir.path() / "sluice.yaml", daemon_file(c.naming));
      const auto file = dir.path() / "pipelines.d" / "orders.yaml";
      test::write_file(file, pipeline_file("orders", c.target, c.layer));
      const auto env = config::Environment::fixed({});
      const auto loaded = config::load_config_isolating(dir.path() / "sluice.yaml", {&env, true});
      REQUIRE(loaded);
      std::vector<std::string> warnings;
      for (const auto& w : loaded->warnings) warnings.push_back(config::to_string(w));
      CHECK(warnings == (c.warning.empty()
                             ? std::vector<std::string>{}
                             : std::vector<std::string>{file.string() + ":" + c.warning}));
      if (c.error.empty()) {
        REQUIRE(loaded->pipelines.size() == 1);
        CHECK(loaded->pipelines[0].layer == c.loaded_layer);
        CHECK(loaded->pipelines[0].layer_inferred == c.inferred);
      } else {
        REQUIRE(loaded->quarantined.size() == 1);
        CHECK(config::to_string(loaded->quarantined[0].error) == file.string() + ":" + c.error);
      }
    }
  }
}
