// The graph of `sluicectl graph` and GET /api/v1/graph (daemon/ops/graph_view.*): built from
// a config through the real loader, and its DOT and Mermaid renderings of hostile names
// (quotes, backslashes, spaces, unicode, `-->`, control characters) that must stay text.
#include <catch2/catch.hpp>

#include "daemon/ops/graph_view.hpp"
#include "framework/config/load.hpp"
#include "tests/support/files.hpp"
#include "tests/support/paths.hpp"

using namespace sluice;
using Kind = ops::GraphEdge::Kind;

namespace {

constexpr const char* kDaemon = R"(naming: {source: '^src_', intermediate: '^int_', fact: '_fct_'}
connections:
  shop: {kind: mysql, host: localhost, database: shop}
  pg: {kind: postgres, url: postgresql://sluice@localhost/sluice}
)";

}  // namespace

TEST_CASE("the graph of a config: pipelines by level, their tables, every kind of edge",
          "[ops][graph]") {
  test::TempDir dir;
  test::write_file(dir.path() / "sluice.yaml", kDaemon);
  const auto pipelines = dir.path() / "pipelines.d";
  test::write_file(pipelines / "a_src_orders.yaml",
                   "id: src_orders\nlayer: source\nsource:\n  connection: shop\n  table: orders\n"
                   "  time_column: t\ntarget:\n  connection: pg\n  table: demo.src_orders\n"
                   "window: {granularity: 1h, start_date: 2024-03-01}\n");
  // No layer: `^int_` gives it. Declares its upstream.
  test::write_file(pipelines / "b_int.yaml",
                   "id: int_orders_clean\nsource:\n  connection: pg\n  table: demo.src_orders\n"
                   "  time_column: t\ntarget:\n  connection: pg\n  table: demo.int_orders_clean\n"
                   "window: {granularity: 1h, start_date: 2024-03-01}\n"
                   "depends_on: [src_orders]\n");
  // Reads int_orders_clean's table but declares only src_orders: an undeclared lineage edge.
  test::write_file(pipelines / "c_fct.yaml",
                   "id: orders_fct_daily\nlayer: fact\nschedule: {cron: '0 3 * * *'}\nsource:\n"
                   "  connection: pg\n  table: demo.int_orders_clean\n  time_column: t\ntarget:\n"
                   "  connection: pg\n  table: demo.orders_fct_daily\n"
                   "window: {granularity: 1d, start_date: 2024-03-01}\n"
                   "depends_on: [{pipeline: src_orders, mode: latest}]\n");
  test::write_file(pipelines / "d_broken.yaml", "id: broken\nsource: {connection: nowhere}\n");
  const auto env = config::Environment::fixed({});
  const auto loaded = config::load_config_isolating(dir.path() / "sluice.yaml", {&env, true});
  REQUIRE(loaded);
  const auto g = ops::graph_view(*loaded);

  REQUIRE(g.pipelines.size() == 4);
  CHECK(g.pipelines[0].id == "broken");
  CHECK(g.pipelines[0].level == 0);
  CHECK(g.pipelines[0].kind.empty());
  CHECK(g.pipelines[0].config_error.starts_with("config error " +
                                                (pipelines / "d_broken.yaml").string() + ":"));
  CHECK(g.pipelines[1].id == "src_orders");
  CHECK(g.pipelines[1].layer == "source");
  CHECK_FALSE(g.pipelines[1].layer_inferred);
  CHECK(g.pipelines[2].id == "int_orders_clean");
  CHECK(g.pipelines[2].level == 1);
  CHECK(g.pipelines[2].layer == "intermediate");
  CHECK(g.pipelines[2].layer_inferred);
  CHECK(g.pipelines[3].id == "orders_fct_daily");
  CHECK(g.pipelines[3].level == 1);  // depends on src_orders only
  CHECK(g.pipelines[3].granularity == "1d");
  CHECK(g.pipelines[3].schedule == "0 3 * * *");
  CHECK(g.pipelines[3].timezone == "UTC");
  CHECK(g.pipelines[3].kind == "copy");

  std::vector<std::string> tables;
  for (const auto& t : g.tables) tables.push_back(t.id);
  CHECK(tables == std::vector<std::string>{"pg:demo.int_orders_clean", "pg:demo.orders_fct_daily",
                                           "pg:demo.src_orders", "shop:shop.orders"});
  CHECK(g.tables[3].connection == "shop");
  CHECK(g.tables[3].name == "shop.orders");  // MySQL: the connection's database

  const auto j = ops::graph_json(g);
  CHECK(j["edges"] == nlohmann::ordered_json::parse(R"([
    {"kind": "reads", "from": "pg:demo.int_orders_clean", "to": "orders_fct_daily"},
    {"kind": "reads", "from": "pg:demo.src_orders", "to": "int_orders_clean"},
    {"kind": "reads", "from": "shop:shop.orders", "to": "src_orders"},
    {"kind": "writes", "from": "int_orders_clean", "to": "pg:demo.int_orders_clean"},
    {"kind": "writes", "from": "orders_fct_daily", "to": "pg:demo.orders_fct_daily"},
    {"kind": "writes", "from": "src_orders", "to": "pg:demo.src_orders"},
    {"kind": "depends_on", "from": "src_orders", "to": "int_orders_clean", "mode": "windows"},
    {"kind": "depends_on", "from": "src_orders", "to": "orders_fct_daily", "mode": "latest"},
    {"kind": "lineage", "from": "int_orders_clean", "to": "orders_fct_daily",
     "table": "pg:demo.int_orders_clean", "declared": false},
    {"kind": "lineage", "from": "src_orders", "to": "int_orders_clean",
     "table": "pg:demo.src_orders", "declared": true}
  ])"));
  CHECK(j["pipelines"][3] == nlohmann::ordered_json::parse(R"(
    {"id": "orders_fct_daily", "level": 1, "layer": "fact", "layer_inferred": false,
     "kind": "copy", "granularity": "1d", "schedule": "0 3 * * *", "timezone": "UTC",
     "config_error": null})"));
  CHECK(j["pipelines"][0]["layer"].is_null());
  CHECK(j["tables"][0] == nlohmann::ordered_json::parse(
                              R"({"id": "pg:demo.int_orders_clean", "connection": "pg",
                                  "name": "demo.int_orders_clean"})"));
}

TEST_CASE("a depends_on upstream no file defines has a node all the same", "[ops][graph]") {
  test::TempDir dir;
  test::write_file(dir.path() / "sluice.yaml", kDaemon);
  test::write_file(dir.path() / "pipelines.d" / "b.yaml",
                   "id: b\nsource:\n  connection: pg\n  table: demo.a\n  time_column: t\n"
                   "target:\n  connection: pg\n  table: demo.b\n"
                   "window: {granularity: 1h, start_date: 2024-03-01}\n");
  const auto env = config::Environment::fixed({});
  auto loaded = config::load_config_isolating(dir.path() / "sluice.yaml", {&env, true});
  REQUIRE(loaded);
  // The daemon keeps running a previous definition of b that named a pipeline since removed.
  loaded->pipelines[0].depends_on.push_back({.upstream = PipelineId{"gone"}});
  const auto g = ops::graph_view(*loaded);
  REQUIRE(g.pipelines.size() == 2);
  CHECK(g.pipelines[0].id == "gone");
  CHECK(g.pipelines[0].config_error == "no pipeline file defines it");
  CHECK(g.pipelines[1].id == "b");
  CHECK(g.pipelines[1].level == 1);
}

namespace {

// Names no config would pass, to show the renderers never trust them.
ops::GraphView hostile_graph() {
  ops::GraphView g;
  g.pipelines = {{.id = "a\"b\\",
                  .layer = "fact",
                  .kind = "copy",
                  .granularity = "1h",
                  .schedule = "@hourly",
                  .timezone = "UTC"},
                 {.id = "x --> y|z",
                  .level = 1,
                  .layer = "view",
                  .layer_inferred = true,
                  .kind = "sql",
                  .granularity = "1d"},
                 {.id = "end", .level = 1, .config_error = "config error f.yaml:1:1: x"}};
  g.tables = {{.id = "pg:\"s\".\"t #1\"", .connection = "pg", .name = "\"s\".\"t #1\""},
              {.id = "ch:zürich `<b>&amp;\n", .connection = "ch", .name = "zürich `<b>&amp;\n"}};
  g.edges = {{.kind = Kind::reads, .from = "pg:\"s\".\"t #1\"", .to = "a\"b\\"},
             {.kind = Kind::writes, .from = "x --> y|z", .to = "ch:zürich `<b>&amp;\n"},
             {.kind = Kind::depends_on, .from = "a\"b\\", .to = "x --> y|z", .mode = "windows"},
             {.kind = Kind::lineage, .from = "a\"b\\", .to = "end", .table = "t"},
             {.kind = Kind::lineage, .from = "a\"b\\", .to = "x --> y|z", .declared = true}};
  return g;
}

}  // namespace

TEST_CASE("graph -o dot: every id and label quoted, quotes, backslashes and & in labels escaped",
          "[ops][graph]") {
  CHECK(ops::graph_dot(hostile_graph()) ==
        R"(digraph sluice {
  rankdir=LR;
  node [fontname="sans-serif"];
  edge [fontname="sans-serif", fontsize=10];
  "a\"b\\" [shape=box, label="a\"b\\\nfact, copy, 1h"];
  "x --> y|z" [shape=box, label="x --> y|z\nview (by name), sql, 1d"];
  "end" [shape=box, label="end\nconfig error", color=red];
  "pg:\"s\".\"t #1\"" [shape=cylinder, label="\"s\".\"t #1\"\non pg"];
  "ch:zürich `<b>&amp; " [shape=cylinder, label="zürich `<b>&amp;amp; \non ch"];
  "pg:\"s\".\"t #1\"" -> "a\"b\\" [color=gray40];
  "x --> y|z" -> "ch:zürich `<b>&amp; " [color=gray40];
  "a\"b\\" -> "x --> y|z" [penwidth=2, label="depends_on windows"];
  "a\"b\\" -> "end" [style=dashed, color=red, label="lineage, undeclared"];
  "a\"b\\" -> "x --> y|z" [style=dashed, label="lineage"];
}
)");
}

TEST_CASE("graph -o mermaid: generated node ids, labels quoted with entity codes", "[ops][graph]") {
  CHECK(ops::graph_mermaid(hostile_graph()) ==
        R"(flowchart LR
  classDef config_error stroke:#c00,stroke-width:2px
  p0["a#34;b\<br>fact, copy, 1h"]
  p1["x --#62; y#124;z<br>view (by name), sql, 1d"]
  p2["end<br>config error"]
  class p2 config_error
  t0[("#34;s#34;.#34;t #35;1#34;<br>on pg")]
  t1[("zürich #96;#60;b#62;#38;amp; <br>on ch")]
  t0 --> p0
  p1 --> t1
  p0 ==>|depends_on windows| p1
  p0 -.->|lineage, undeclared| p2
  p0 -.->|lineage| p1
)");
}

TEST_CASE("graph -o json: names are JSON strings, whatever they hold", "[ops][graph]") {
  const auto j = ops::graph_json(hostile_graph());
  const auto back = nlohmann::ordered_json::parse(j.dump());
  CHECK(back["pipelines"][0]["id"] == "a\"b\\");
  CHECK(back["pipelines"][1]["layer_inferred"] == true);
  CHECK(back["pipelines"][2]["kind"].is_null());
  CHECK(back["pipelines"][2]["config_error"] == "config error f.yaml:1:1: x");
  CHECK(back["tables"][1]["name"] == "zürich `<b>&amp;\n");
  CHECK(back["edges"][3] == nlohmann::ordered_json::parse(
                                R"({"kind": "lineage", "from": "a\"b\\", "to": "end",
                                    "table": "t", "declared": false})"));
}
