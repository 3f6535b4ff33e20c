// The pipeline graph: order, levels, reach and cycles, as plan, deploy, undeploy and
// rerun --downstream walk it.
#include <catch2/catch.hpp>

#include "framework/config/graph.hpp"

using namespace sluice::config;
using Ids = std::vector<std::string>;

namespace {

// src_orders → int_orders_clean → orders_fct_daily, with customers feeding the fact too, and
// a second branch from src_orders.
PipelineGraph warehouse() {
  return PipelineGraph({{"src_orders", {}},
                        {"customers", {}},
                        {"int_orders_clean", {"src_orders"}},
                        {"orders_fct_daily", {"int_orders_clean", "customers"}},
                        {"orders_mv_weekly", {"orders_fct_daily"}},
                        {"int_refunds", {"src_orders"}}});
}

}  // namespace

TEST_CASE("levels put each pipeline one past its highest upstream", "[config][graph]") {
  const auto g = warehouse();
  const auto all = g.levels({"orders_mv_weekly", "int_refunds", "src_orders", "customers",
                             "orders_fct_daily", "int_orders_clean"});
  REQUIRE(all.size() == 4);
  CHECK(all[0] == Ids{"customers", "src_orders"});
  CHECK(all[1] == Ids{"int_orders_clean", "int_refunds"});
  CHECK(all[2] == Ids{"orders_fct_daily"});
  CHECK(all[3] == Ids{"orders_mv_weekly"});
  // Within a subset only the edges inside it count.
  CHECK(g.levels({"orders_fct_daily", "customers"}) ==
        std::vector<Ids>{{"customers"}, {"orders_fct_daily"}});
  CHECK(g.levels({}).empty());
}

TEST_CASE("descendants and ancestors come parents first", "[config][graph]") {
  const auto g = warehouse();
  CHECK(g.descendants("src_orders") ==
        Ids{"int_orders_clean", "int_refunds", "orders_fct_daily", "orders_mv_weekly"});
  CHECK(g.descendants("orders_mv_weekly").empty());
  CHECK(g.ancestors("orders_mv_weekly") ==
        Ids{"customers", "src_orders", "int_orders_clean", "orders_fct_daily"});
  CHECK(g.upstream("orders_fct_daily") == Ids{"customers", "int_orders_clean"});
  CHECK(g.downstream("src_orders") == Ids{"int_orders_clean", "int_refunds"});
  CHECK(g.downstream("nobody").empty());
  CHECK_FALSE(g.contains("nobody"));
}

TEST_CASE("cycles are found and spelled in the direction data flows", "[config][graph]") {
  CHECK(warehouse().cycles().empty());
  // b depends on a, c on b, a on c: a → b → c → a. d depends on itself. e and f are a
  // second cycle, g hangs off it.
  const PipelineGraph g({{"a", {"c"}},
                         {"b", {"a"}},
                         {"c", {"b"}},
                         {"d", {"d"}},
                         {"e", {"f"}},
                         {"f", {"e"}},
                         {"g", {"e"}}});
  const auto groups = g.cycles();
  REQUIRE(groups.size() == 3);
  CHECK(groups[0] == Ids{"a", "b", "c"});
  CHECK(groups[1] == Ids{"d"});
  CHECK(groups[2] == Ids{"e", "f"});
  CHECK(spell_path(g.cycle_path(groups[0])) == "a → b → c → a");
  CHECK(spell_path(g.cycle_path(groups[1])) == "d → d");
  CHECK(spell_path(g.cycle_path(groups[2])) == "e → f → e");
  // The shortest way back: a chord makes a shorter cycle than the whole ring.
  const PipelineGraph chord({{"a", {"d"}}, {"b", {"a"}}, {"c", {"b"}}, {"d", {"c", "a"}}});
  CHECK(spell_path(chord.cycle_path(chord.cycles().at(0))) == "a → d → a");
}
