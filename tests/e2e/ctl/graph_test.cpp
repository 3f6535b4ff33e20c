// `sluicectl graph`, run as an operator runs it: from the config alone (no database, no
// secret read), in each format; the DOT output is read back by Graphviz's own `dot`.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <set>

#include "tests/support/files.hpp"
#include "tests/support/paths.hpp"
#include "tests/support/process.hpp"

namespace fs = std::filesystem;
using namespace sluice;

namespace {

// src_orders -> int_orders.clean-v2 (declared) -> orders_fct_daily (read, not declared: the
// fact table depends on src_orders only), and a file that does not load. The daemon file
// names a secret that is never set.
struct GraphConfig {
  test::TempDir dir;
  std::string config = (dir.path() / "sluice.yaml").string();
  GraphConfig() {
    test::write_file(dir.path() / "sluice.yaml",
                     "naming: {source: '^src_', intermediate: '^int_', fact: '_fct_'}\n"
                     "connections:\n"
                     "  shop: {kind: mysql, host: localhost, database: shop}\n"
                     "  pg: {kind: postgres, url: "
                     "\"postgresql://sluice:${env:GRAPH_TEST_UNSET}@localhost/sluice\"}\n");
    const auto pipelines = dir.path() / "pipelines.d";
    test::write_file(pipelines / "a.yaml",
                     "id: src_orders\nlayer: source\n"
                     "source: {connection: shop, table: orders, time_column: t}\n"
                     "target: {connection: pg, table: demo.src_orders}\n"
                     "window: {granularity: 1h, start_date: 2024-03-01}\n");
    test::write_file(pipelines / "b.yaml",
                     "id: int_orders.clean-v2\n"
                     "source: {connection: pg, table: demo.src_orders, time_column: t}\n"
                     "target: {connection: pg, table: demo.int_orders_clean}\n"
                     "window: {granularity: 1h, start_date: 2024-03-01}\n"
                     "depends_on: [src_orders]\n");
    test::write_file(pipelines / "c.yaml",
                     "id: orders_fct_daily\nlayer: fact\n"
                     "schedule: {cron: '0 3 * * *', timezone: Europe/Zurich}\n"
                     "source: {connection: pg, table: demo.int_orders_clean, time_column: t}\n"
                     "target: {connection: pg, table: demo.orders_fct_daily}\n"
                     "window: {granularity: 1d, start_date: 2024-03-02}\n"
                     "depends_on: [{pipeline: src_orders, mode: latest}]\n");
    test::write_file(pipelines / "d.yaml", "id: broken\nsource: {connection: pg}\n");
  }
  std::string broken() const { return (dir.path() / "pipelines.d" / "d.yaml").string(); }
};

test::ProcessResult sluicectl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {(test::binary_dir() / "daemon" / "sluicectl").string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return test::run_process(argv, {{"GRAPH_TEST_UNSET", std::nullopt},
                                  {"SLUICE_DATABASE_URL", std::nullopt},
                                  {"SLUICE_CONFIG", std::nullopt}});
}

}  // namespace

TEST_CASE("graph: pipelines by level with their tables, then the edges between them",
          "[e2e][ctl][graph]") {
  GraphConfig c;
  const auto r = sluicectl({"-c", c.config, "graph"});
  CHECK(r.exit_code == 0);
  CHECK(r.out ==
        "LEVEL  PIPELINE             LAYER                   KIND  GRANULARITY  SCHEDULE     "
        "TIMEZONE       READS                     WRITES\n"
        "0      broken               -                       -     -            -            -  "
        "            -                         -\n"
        "0      src_orders           source                  copy  1h           */5 * * * *  "
        "UTC            shop:shop.orders          pg:demo.src_orders\n"
        "1      int_orders.clean-v2  intermediate (by name)  copy  1h           */5 * * * *  "
        "UTC            pg:demo.src_orders        pg:demo.int_orders_clean\n"
        "1      orders_fct_daily     fact                    copy  1d           0 3 * * *    "
        "Europe/Zurich  pg:demo.int_orders_clean  pg:demo.orders_fct_daily\n"
        "\n"
        "UPSTREAM             DOWNSTREAM           EDGE\n"
        "src_orders           int_orders.clean-v2  depends_on (windows)\n"
        "src_orders           orders_fct_daily     depends_on (latest)\n"
        "int_orders.clean-v2  orders_fct_daily     lineage via pg:demo.int_orders_clean, "
        "undeclared\n"
        "src_orders           int_orders.clean-v2  lineage via pg:demo.src_orders\n"
        "broken: config error " +
            c.broken() + ":1:1: target: required key is missing\n");
  CHECK(r.err == "warning: pipeline broken left out: config error " + c.broken() +
                     ":1:1: target: required key is missing\n");
}

TEST_CASE("graph -o dot is read by Graphviz: every node and edge", "[e2e][ctl][graph]") {
  GraphConfig c;
  const auto r = sluicectl({"-c", c.config, "graph", "-o", "dot"});
  REQUIRE(r.exit_code == 0);
  const auto file = c.dir.path() / "graph.dot";
  test::write_file(file, r.out);
  const auto layout = test::run_process({"/usr/bin/dot", "-Tjson", file.string()});
  INFO(layout.err);
  REQUIRE(layout.exit_code == 0);
  CHECK(layout.err.empty());
  const auto drawn = nlohmann::json::parse(layout.out);
  std::set<std::string> names;
  for (const auto& o : drawn["objects"]) names.insert(o["name"].get<std::string>());
  CHECK(names == std::set<std::string>{"broken", "src_orders", "int_orders.clean-v2",
                                       "orders_fct_daily", "shop:shop.orders", "pg:demo.src_orders",
                                       "pg:demo.int_orders_clean", "pg:demo.orders_fct_daily"});
  // Three reads, three writes, two depends_on, two lineage.
  CHECK(drawn["edges"].size() == 10);
}

TEST_CASE("graph -o mermaid and -o json, and -o json before the command says the same",
          "[e2e][ctl][graph]") {
  GraphConfig c;
  const auto mermaid = sluicectl({"-c", c.config, "graph", "-o", "mermaid"});
  REQUIRE(mermaid.exit_code == 0);
  CHECK(mermaid.out.starts_with("flowchart LR\n"));
  CHECK(mermaid.out.find("\n  p2[\"int_orders.clean-v2<br>intermediate (by name), copy, 1h\"]\n") !=
        std::string::npos);
  CHECK(mermaid.out.find("\n  p1 ==>|depends_on windows| p2\n") != std::string::npos);
  CHECK(mermaid.out.find("\n  p2 -.->|lineage, undeclared| p3\n") != std::string::npos);

  const auto json = sluicectl({"-c", c.config, "graph", "-o", "json"});
  REQUIRE(json.exit_code == 0);
  const auto global = sluicectl({"-c", c.config, "-o", "json", "graph"});
  CHECK(global.out == json.out);
  const auto parsed = nlohmann::json::parse(json.out);
  CHECK(parsed["pipelines"].size() == 4);
  CHECK(parsed["tables"].size() == 4);
  CHECK(parsed["edges"][8] == nlohmann::json::parse(R"({"kind": "lineage",
    "from": "int_orders.clean-v2", "to": "orders_fct_daily",
    "table": "pg:demo.int_orders_clean", "declared": false})"));

  const auto bad = sluicectl({"-c", c.config, "graph", "-o", "svg"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.out.empty());
  CHECK(bad.err.find("--output: svg not in {text,dot,mermaid,json}") != std::string::npos);
}
