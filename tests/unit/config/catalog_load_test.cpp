// The catalog as the loader's second source of pipelines: a definition read like a file
// named `catalog:ID` (diagnostics at `catalog:ID@vN:LINE:COLUMN`), quarantined alone when it
// does not validate, and preferred to a file with the same id, whose error names both.
#include <catch2/catch.hpp>

#include "framework/config/load.hpp"
#include "tests/support/config_tree.hpp"

using namespace sluice;

namespace {

std::string pipeline(const std::string& id, const std::string& extra = "") {
  return test::sample_pipeline(id, extra);
}

using Tree = test::ConfigTree;

}  // namespace

TEST_CASE("catalog definitions load beside the files, with their version and text",
          "[config][catalog]") {
  Tree t({{"events.yaml", pipeline("events")}});
  t.catalog.push_back({"orders", 3, pipeline("orders", "tags: [shop]\n")});
  const auto c = t.loaded();
  REQUIRE(c.pipelines.size() == 2);
  const auto* orders = c.find_pipeline("orders");
  REQUIRE(orders);
  CHECK(orders->from_catalog());
  CHECK(*orders->catalog_version == 3);
  CHECK(orders->file == "catalog:orders");
  CHECK(orders->text == pipeline("orders", "tags: [shop]\n"));
  const auto* events = c.find_pipeline("events");
  REQUIRE(events);
  CHECK_FALSE(events->from_catalog());
  CHECK(events->text == pipeline("events"));
}

TEST_CASE("a catalog definition with errors is quarantined alone, at its version's lines",
          "[config][catalog]") {
  Tree t({{"events.yaml", pipeline("events")}});
  t.catalog.push_back({"orders", 7, pipeline("orders", "max_activ_windows: 2\n")});
  t.catalog.push_back({"broken", 2, "id: broken\nsource: [\n"});
  t.catalog.push_back({"renamed", 1, pipeline("other")});
  t.catalog.push_back({"empty", 1, ""});
  // Valid on a host that has the connection `warehouse`; this one has not.
  std::string elsewhere = pipeline("elsewhere");
  elsewhere.replace(elsewhere.find("connection: pg"), 14, "connection: warehouse");
  t.catalog.push_back({"elsewhere", 2, elsewhere});
  const auto c = t.loaded();
  REQUIRE(c.pipelines.size() == 1);
  CHECK(c.pipelines[0].id.value == "events");
  REQUIRE(c.quarantined.size() == 5);
  const auto* elsewhere_q = c.find_quarantined("elsewhere");
  REQUIRE(elsewhere_q);
  CHECK(config::config_error_text(*elsewhere_q)
            .find("catalog:elsewhere@v2:3:15: source.connection: "
                  "undefined connection 'warehouse'") != std::string::npos);
  const auto* orders = c.find_quarantined("orders");
  REQUIRE(orders);
  CHECK(orders->file == "catalog:orders");
  CHECK(orders->error.where.file == "catalog:orders@v7");
  CHECK(orders->error.where.line == 12);
  CHECK(orders->error.where.column == 1);
  const auto* broken = c.find_quarantined("broken");
  REQUIRE(broken);
  CHECK(broken->error.where.file == "catalog:broken@v2");
  const auto* renamed = c.find_quarantined("other");
  REQUIRE(renamed);
  CHECK(renamed->error.message.find("as pipeline 'renamed'") != std::string::npos);
  CHECK(c.find_quarantined("empty"));
}

TEST_CASE("a file with a catalog pipeline's id is quarantined, its error naming both",
          "[config][catalog]") {
  Tree t({{"a_orders.yaml", pipeline("orders")}, {"events.yaml", pipeline("events")}});
  t.catalog.push_back({"orders", 4, pipeline("orders", "description: the catalog's\n")});
  const auto c = t.loaded();
  const auto* orders = c.find_pipeline("orders");
  REQUIRE(orders);
  CHECK(orders->from_catalog());
  const auto* q = c.find_quarantined("orders");
  REQUIRE(q);
  CHECK(q->file.filename() == "a_orders.yaml");
  CHECK(q->error.message.find("catalog:orders@v4:1:5 (version 4), which is the one loaded") !=
        std::string::npos);

  // Its depends_on and lineage see the catalog's pipelines like the files'.
  Tree g({{"events.yaml", pipeline("events", "depends_on: [orders]\n")}});
  g.catalog.push_back({"orders", 1, pipeline("orders")});
  CHECK(g.loaded().quarantined.empty());
  Tree cycle({{"events.yaml", pipeline("events", "depends_on: [orders]\n")}});
  cycle.catalog.push_back({"orders", 1, pipeline("orders", "depends_on: [events]\n")});
  CHECK(cycle.loaded().quarantined.size() == 2);
}
