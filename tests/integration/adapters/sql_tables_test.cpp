// What `sluicectl deploy` and `undeploy` do to a table, on each real server through its
// SqlRunner: a missing table is none, the ddl creates it, its catalog columns compare equal
// with the ddl's (names, and types as the server names them), another ddl differs, and the
// table drops.
#include <catch2/catch.hpp>

#include "daemon/ops/deploy.hpp"
#include "tests/integration/adapters/sql_servers.hpp"

using namespace sluice;

namespace {

std::vector<std::string> differences(test::SqlServer& s, adapters::SqlRunner& runner,
                                     const std::string& ddl) {
  auto parsed = adapters::sql::parse_create_table(ddl, s.dialect());
  REQUIRE(parsed);
  std::vector<std::string> written;
  for (const auto& c : parsed->columns) written.push_back(c.type);
  auto types = runner.comparable_types(written, nullptr);
  REQUIRE(types);
  auto columns = runner.table_columns(nullptr);
  REQUIRE(columns);
  REQUIRE(*columns);
  return ops::column_differences(*parsed, *types, **columns, s.dialect());
}

void tables_round_trip(test::SqlServer& s) {
  auto runner = s.runner("facts", "ts");
  auto none = runner->table_columns(nullptr);
  REQUIRE(none);
  CHECK_FALSE(*none);
  const std::string ddl = "CREATE TABLE facts (id " + s.integer() + ", ts " + s.timestamp() +
                          ", note " + s.text() + ")" + s.table_suffix();
  auto made = runner->execute(ddl, nullptr);
  if (!made) FAIL(made.error().message);
  auto columns = runner->table_columns(nullptr);
  REQUIRE(columns);
  REQUIRE(*columns);
  std::vector<std::string> names;
  for (const auto& c : **columns) names.push_back(c.name);
  CHECK(names == std::vector<std::string>{"id", "ts", "note"});
  INFO(s.name());
  CHECK(differences(s, *runner, ddl).empty());
  CHECK(differences(s, *runner,
                    "CREATE TABLE facts (id " + s.small_integer() + ", ts " + s.timestamp() +
                        ", extra " + s.text() + ")") ==
        std::vector<std::string>{
            "column id: ddl " + s.small_integer() + " (" +
                *runner->comparable_types({s.small_integer()}, nullptr)->front() + "), table " +
                (**columns)[0].type,
            "missing column extra", "extra column note"});
  REQUIRE(runner->drop_table(nullptr));
  auto dropped = runner->table_columns(nullptr);
  REQUIRE(dropped);
  CHECK_FALSE(*dropped);
}

}  // namespace

TEST_CASE("SQL runner: deploy's table calls create, describe, compare and drop a table",
          "[integration][sql][deploy]") {
  test::for_each_sql_server(tables_round_trip);
}
