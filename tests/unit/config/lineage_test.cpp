// Lineage (framework/config/lineage.*): which pipelines read another's target table, as
// tables of cases loaded through the real loader, and the warning `validate` gives for an
// edge `depends_on` does not declare, at the reader's `source.table`.
#include <catch2/catch.hpp>

#include "framework/config/lineage.hpp"
#include "framework/config/load.hpp"
#include "tests/support/files.hpp"
#include "tests/support/paths.hpp"

using namespace sluice;

namespace {

constexpr const char* kDaemon = R"(connections:
  pg: {kind: postgres, url: postgresql://sluice@localhost/sluice}
  pg2: {kind: postgres, url: postgresql://sluice@localhost/other}
  ch: {kind: clickhouse, url: http://localhost:8123}
  ch_an: {kind: clickhouse, url: http://localhost:8123, database: analytics}
  shop: {kind: mysql, host: localhost, database: shop}
  shop_url: {kind: mysql, url: "mysql://reader:${env:SHOP_PW}@localhost:3306/shopdb?ssl_mode=required"}
  shop_bare: {kind: mysql, host: localhost}
  files: {kind: file, root: /tmp}
  api: {kind: http, base_url: https://api.example.com}
)";

// A source or target section's lines.
std::string table_on(const std::string& connection, const std::string& table) {
  return "  connection: " + connection + "\n  table: " + table + "\n";
}
std::string source_table_on(const std::string& connection, const std::string& table) {
  return table_on(connection, table) + "  time_column: t\n";
}
const std::string kFileSource =
    "  connection: files\n  path: \"in/{window_start:%Y%m%d%H}.csv\"\n  format: csv\n"
    "  time_column: t\n";
const std::string kHttpSource =
    "  connection: api\n  path: \"/e?from={window_start:%FT%TZ}\"\n  columns: {t: /t}\n"
    "  time_column: t\n";
const std::string kQuerySource =
    "  connection: pg\n  query: SELECT * FROM public.int_orders\n  time_column: t\n";

struct Pipe {
  std::string id, source, target, depends_on;
};

std::string pipeline_file(const Pipe& p) {
  std::string text = "id: " + p.id + "\nsource:\n" + p.source + "target:\n" + p.target +
                     "window:\n  granularity: 1h\n  start_date: 2024-03-01\n";
  if (!p.depends_on.empty()) text += "depends_on: [" + p.depends_on + "]\n";
  return text;
}

struct Loaded {
  test::TempDir dir;
  config::Config config;
};

std::unique_ptr<Loaded> load(const std::vector<Pipe>& pipes) {
  auto l = std::make_unique<Loaded>();
  test::write_file(l->dir.path() / "sluice.yaml", kDaemon);
  for (const auto& p : pipes)
    test::write_file(l->dir.path() / "pipelines.d" / (p.id + ".yaml"), pipeline_file(p));
  const auto env = config::Environment::fixed({{"SHOP_PW", "pw"}});
  auto loaded = config::load_config(l->dir.path() / "sluice.yaml", {&env, true});
  if (!loaded)
    for (const auto& d : loaded.error()) UNSCOPED_INFO(config::to_string(d));
  REQUIRE(loaded);
  l->config = std::move(*loaded);
  return l;
}

// `upstream -> downstream via connection:schema.table`, `(declared)` when it is.
std::vector<std::string> edges_of(const config::Config& c) {
  std::vector<const config::PipelineConfig*> pipelines;
  for (const auto& p : c.pipelines) pipelines.push_back(&p);
  std::vector<std::string> out;
  for (const auto& e : config::infer_lineage(pipelines, c.daemon))
    out.push_back(e.upstream + " -> " + e.downstream + " via " + e.table.id() +
                  (e.declared ? " (declared)" : ""));
  return out;
}

}  // namespace

TEST_CASE("lineage infers an edge where a source table is another pipeline's target table",
          "[config][lineage]") {
  struct Case {
    const char* name;
    std::vector<Pipe> pipes;
    std::vector<std::string> edges;
  };
  const std::vector<Case> cases{
      {"unqualified reads public.",
       {{"clean", source_table_on("pg", "raw"), table_on("pg", "public.int_orders"), ""},
        {"daily", source_table_on("pg", "int_orders"), table_on("pg", "orders_fct"), ""}},
       {"clean -> daily via pg:public.int_orders"}},
      {"qualified reads unqualified",
       {{"clean", source_table_on("pg", "raw"), table_on("pg", "int_orders"), ""},
        {"daily", source_table_on("pg", "public.int_orders"), table_on("pg", "orders_fct"), ""}},
       {"clean -> daily via pg:public.int_orders"}},
      {"declared in depends_on",
       {{"clean", source_table_on("pg", "raw"), table_on("pg", "demo.int_orders"), ""},
        {"daily", source_table_on("pg", "demo.int_orders"), table_on("pg", "fct"), "clean"}},
       {"clean -> daily via pg:demo.int_orders (declared)"}},
      {"another schema is another table",
       {{"clean", source_table_on("pg", "raw"), table_on("pg", "staging.int_orders"), ""},
        {"daily", source_table_on("pg", "int_orders"), table_on("pg", "fct"), ""}},
       {}},
      {"another connection is another table",
       {{"clean", source_table_on("pg", "raw"), table_on("pg", "int_orders"), ""},
        {"daily", source_table_on("pg2", "int_orders"), table_on("pg", "fct"), ""}},
       {}},
      {"names compare with their case (adapters quote them)",
       {{"clean", source_table_on("pg", "raw"), table_on("pg", "Int_Orders"), ""},
        {"daily", source_table_on("pg", "int_orders"), table_on("pg", "fct"), ""}},
       {}},
      {"ClickHouse's default database is `default`",
       {{"clean", source_table_on("pg", "raw"), table_on("ch", "default.events"), ""},
        {"daily", source_table_on("ch", "events"), table_on("pg", "fct"), ""}},
       {"clean -> daily via ch:default.events"}},
      {"a ClickHouse connection's database",
       {{"clean", source_table_on("pg", "raw"), table_on("ch_an", "events"), ""},
        {"daily", source_table_on("ch_an", "analytics.events"), table_on("pg", "fct"), ""},
        {"other", source_table_on("ch_an", "default.events"), table_on("pg", "fct2"), ""}},
       {"clean -> daily via ch_an:analytics.events"}},
      {"file, HTTP and query sources read no table",
       {{"clean", source_table_on("pg", "raw"), table_on("pg", "int_orders"), ""},
        {"from_file", kFileSource, table_on("pg", "a"), ""},
        {"from_api", kHttpSource, table_on("pg", "b"), ""},
        {"from_query", kQuerySource, table_on("pg", "c"), ""}},
       {}},
      {"two writers of one table, two readers",
       {{"eu", source_table_on("pg", "raw_eu"), table_on("pg", "orders"), ""},
        {"us", source_table_on("pg", "raw_us"), table_on("pg", "public.orders"), ""},
        {"daily", source_table_on("pg", "orders"), table_on("pg", "fct"), "us"},
        {"weekly", source_table_on("pg", "orders"), table_on("pg", "fct_w"), ""}},
       {"eu -> daily via pg:public.orders", "us -> daily via pg:public.orders (declared)",
        "eu -> weekly via pg:public.orders", "us -> weekly via pg:public.orders"}},
      {"a chain of three",
       {{"src_orders", source_table_on("pg2", "orders"), table_on("pg", "src_orders"), ""},
        {"int_orders", source_table_on("pg", "src_orders"), table_on("pg", "int_orders"),
         "src_orders"},
        {"orders_fct", source_table_on("pg", "int_orders"), table_on("pg", "orders_fct"), ""}},
       {"src_orders -> int_orders via pg:public.src_orders (declared)",
        "int_orders -> orders_fct via pg:public.int_orders"}},
  };
  for (const auto& c : cases) {
    SECTION(c.name) {
      const auto l = load(c.pipes);
      CHECK(edges_of(l->config) == c.edges);
    }
  }
}

TEST_CASE("an unqualified name means the connection's default schema", "[config][lineage]") {
  const auto l = load({});
  const std::vector<std::pair<std::string, std::string>> cases{
      {"pg", "public"},       {"ch", "default"}, {"ch_an", "analytics"}, {"shop", "shop"},
      {"shop_url", "shopdb"}, {"shop_bare", ""}, {"files", ""},          {"api", ""},
  };
  for (const auto& [name, schema] : cases) {
    INFO(name);
    const auto* connection = l->config.daemon.find_connection(name);
    REQUIRE(connection);
    CHECK(config::default_schema(*connection) == schema);
  }
}

TEST_CASE("an undeclared edge is a warning at the reader's source.table, a declared one none",
          "[config][lineage]") {
  const auto l = load({
      {"orders_clean", source_table_on("pg", "raw"), table_on("pg", "public.int_orders_clean"), ""},
      {"daily", source_table_on("pg", "int_orders_clean"), table_on("pg", "fct"), ""},
      {"weekly", source_table_on("pg", "int_orders_clean"), table_on("pg", "fct_w"), "daily"},
      {"monthly", source_table_on("pg", "int_orders_clean"), table_on("pg", "fct_m"),
       "orders_clean"},
  });
  const auto dir = l->dir.path().string() + "/pipelines.d/";
  std::vector<std::string> warnings;
  for (const auto& w : l->config.warnings) warnings.push_back(config::to_string(w));
  CHECK(warnings ==
        std::vector<std::string>{
            dir + "daily.yaml:4:10: source.table: reads orders_clean's target table "
                  "public.int_orders_clean but does not depend on it: add `depends_on: "
                  "[orders_clean]`",
            dir + "weekly.yaml:4:10: source.table: reads orders_clean's target table "
                  "public.int_orders_clean but does not depend on it: add orders_clean to its "
                  "depends_on",
        });
  // Warnings do not quarantine: every pipeline loads.
  CHECK(l->config.pipelines.size() == 4);
}

TEST_CASE("a pipeline reading its own target under another spelling is refused",
          "[config][lineage]") {
  test::TempDir dir;
  test::write_file(dir.path() / "sluice.yaml", kDaemon);
  test::write_file(dir.path() / "pipelines.d" / "loop.yaml",
                   pipeline_file({"loop", source_table_on("pg", "orders"),
                                  table_on("pg", "public.orders"), ""}));
  const auto env = config::Environment::fixed({{"SHOP_PW", "pw"}});
  const auto loaded = config::load_config(dir.path() / "sluice.yaml", {&env, true});
  REQUIRE_FALSE(loaded);
  for (const auto& d : loaded.error()) UNSCOPED_INFO(config::to_string(d));
  REQUIRE(loaded.error().size() == 1);
  CHECK(config::to_string(loaded.error()[0]) ==
        (dir.path() / "pipelines.d" / "loop.yaml").string() +
            ":8:10: target.table: the target is the source itself (connection 'pg', table "
            "public.orders); loading would delete the source rows");
}
