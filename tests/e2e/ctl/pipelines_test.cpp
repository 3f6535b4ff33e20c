// `sluicectl pipelines`: the catalog from the command line, with the API's checks and audit.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "tests/support/ctl.hpp"
#include "tests/support/files.hpp"

using namespace sluice;

namespace {

const std::string kOrders =
    "id: orders\n"
    "source:\n  connection: db\n  table: src\n  time_column: event_time\n"
    "target:\n  connection: db\n  table: dst\n"
    "window:\n  granularity: 1h\n  start_date: \"2024-01-01\"\n  end_date: \"2024-01-02\"\n";

}  // namespace

TEST_CASE("pipelines apply, history, diff, rollback, export, delete and list",
          "[e2e][ctl][catalog]") {
  test::CtlEnv e;
  const auto file = e.dir.path() / "orders.yaml";
  test::write_file(file, kOrders);

  auto r = e.ctl({"pipelines", "apply", "-f", file.string(), "--comment", "first"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == "orders: created, version 1\n");
  r = e.ctl({"pipelines", "apply", "-f", file.string()});
  CHECK(r.out == "orders: unchanged, version 1\n");

  std::string longer = kOrders;
  longer.replace(longer.find("2024-01-02"), 10, "2024-01-03");
  test::write_file(file, longer);
  r = e.ctl({"pipelines", "apply", "-f", file.string()});
  INFO(r.err);
  CHECK(r.out == "orders: updated, version 2\n");

  r = e.ctl({"pipelines", "diff", "orders", "1", "2"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("--- orders v1\n+++ orders v2\n") == 0);
  CHECK(r.out.find("-  end_date: \"2024-01-02\"") != std::string::npos);
  CHECK(r.out.find("+  end_date: \"2024-01-03\"") != std::string::npos);

  r = e.ctl({"pipelines", "rollback", "orders", "--to", "1"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == "orders: rolled back to version 1, version 3\n");
  const auto exported = e.dir.path() / "exported.yaml";
  r = e.ctl({"pipelines", "export", "orders", "--to-file", exported.string()});
  REQUIRE(r.exit_code == 0);
  CHECK(test::read_file(exported) == kOrders);
  CHECK(e.ctl({"pipelines", "show", "orders", "--version", "2"}).out == longer);

  const auto history =
      nlohmann::json::parse(e.ctl({"-o", "json", "pipelines", "history", "orders"}).out);
  REQUIRE(history.size() == 3);
  CHECK(history[2]["comment"] == "first");

  const auto listed = nlohmann::json::parse(e.ctl({"-o", "json", "pipelines", "list"}).out);
  bool catalog = false;
  for (const auto& p : listed)
    if (p["pipeline"] == "orders") catalog = p["origin"] == "catalog" && p["version"] == 3;
  CHECK(catalog);

  // Invalid: every error at the file's line and column, exit 1, nothing stored.
  test::write_file(file, kOrders + "max_activ_windows: 2\n");
  r = e.ctl({"pipelines", "apply", "-f", file.string()});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find(file.string() + ":13:1:") != std::string::npos);
  CHECK(e.count("SELECT count(*) FROM pipeline_definitions") == 3);

  // A file pipeline's id: refused, naming the file.
  std::string taken = kOrders;
  taken.replace(0, 10, "id: copy_events");
  test::write_file(file, taken);
  r = e.ctl({"pipelines", "apply", "-f", file.string()});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("copy_events.yaml:1:5") != std::string::npos);

  CHECK(e.ctl({"pipelines", "delete", "orders"}).exit_code == 2);  // no -y, no terminal
  r = e.ctl({"-y", "pipelines", "delete", "orders"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(e.count("SELECT count(*) FROM pipeline_definitions WHERE deleted") == 1);
  CHECK(e.count("SELECT count(*) FROM audit_log WHERE command LIKE 'pipeline %'") == 4);
  CHECK(e.ctl({"pipelines", "diff", "orders", "1", "9"}).exit_code == 2);
}
