// How deploy compares an existing table with a pipeline's `ddl`: columns missing, extra, or
// of another type where the server gave a comparable name; names compared as each server
// compares them.
#include <catch2/catch.hpp>

#include "daemon/ops/deploy.hpp"

using namespace sluice;
using adapters::sql::Dialect;

namespace {

adapters::sql::CreateTable ddl(std::string_view text, Dialect d = Dialect::postgres) {
  auto t = adapters::sql::parse_create_table(text, d);
  REQUIRE(t);
  return *t;
}

}  // namespace

TEST_CASE("deploy compares a table's columns with its ddl", "[ops][deploy]") {
  const auto t = ddl("CREATE TABLE facts (id bigint, Event_Time timestamptz, note text)");
  const std::vector<std::optional<std::string>> types = {"bigint", "timestamp with time zone",
                                                         std::nullopt};
  SECTION("the same columns, in another order and case: they match") {
    CHECK(ops::column_differences(
              t, types,
              {{"note", "integer"}, {"event_time", "timestamp with time zone"}, {"id", "bigint"}},
              Dialect::postgres)
              .empty());
  }
  SECTION("missing, extra and retyped columns are each named") {
    CHECK(ops::column_differences(t, types, {{"id", "integer"}, {"extra", "text"}},
                                  Dialect::postgres) ==
          std::vector<std::string>{"column id: ddl bigint (bigint), table integer",
                                   "missing column Event_Time", "missing column note",
                                   "extra column extra"});
  }
  SECTION("ClickHouse names are case-sensitive") {
    const auto c = ddl("CREATE TABLE f (Ts DateTime) ENGINE = Log", Dialect::clickhouse);
    CHECK(ops::column_differences(c, {"DateTime"}, {{"ts", "DateTime"}}, Dialect::clickhouse) ==
          std::vector<std::string>{"missing column Ts", "extra column ts"});
  }
}
