// A `ddl`'s CREATE TABLE read for its table's name and its columns' names and types, on the
// three servers' syntaxes; what is not a CREATE TABLE with a column list is a problem with
// its offset.
#include <catch2/catch.hpp>

#include "framework/adapters/ddl.hpp"

using namespace sluice::adapters::sql;
using Catch::Matchers::Contains;

namespace {

CreateTable parsed(std::string_view ddl, Dialect d = Dialect::postgres) {
  auto t = parse_create_table(ddl, d);
  INFO(ddl);
  if (!t) FAIL(t.error().message << " at " << t.error().offset);
  return *t;
}

std::vector<std::pair<std::string, std::string>> columns(const CreateTable& t) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& c : t.columns) out.emplace_back(c.name, c.type);
  return out;
}

using Columns = std::vector<std::pair<std::string, std::string>>;

}  // namespace

TEST_CASE("a PostgreSQL CREATE TABLE: names, types and constraints", "[sql][ddl]") {
  const auto t = parsed(
      "create table if not exists \"Demo\".orders (\n"
      "  id bigint primary key,\n"
      "  \"Created At\" timestamp with time zone not null default now(),\n"
      "  amount numeric(12, 2) check (amount > 0),\n"
      "  note character varying(20) collate \"C\",\n"
      "  tags text[] DEFAULT '{}', -- a comment, with a comma\n"
      "  CONSTRAINT one UNIQUE (id, note),\n"
      "  PRIMARY KEY (id)\n"
      ") PARTITION BY RANGE (\"Created At\");");
  CHECK(t.name == std::vector<std::string>{"Demo", "orders"});
  CHECK(t.name_offset == 27);
  CHECK(columns(t) == Columns{{"id", "bigint"},
                              {"Created At", "timestamp with time zone"},
                              {"amount", "numeric(12, 2)"},
                              {"note", "character varying(20)"},
                              {"tags", "text[]"}});
  CHECK(creates_table(t, "demo.orders", Dialect::postgres));
  CHECK(creates_table(t, "orders", Dialect::postgres));
  CHECK_FALSE(creates_table(t, "other.orders", Dialect::postgres));
  CHECK_FALSE(creates_table(t, "demo.order", Dialect::postgres));
}

TEST_CASE("a MariaDB and a ClickHouse CREATE TABLE", "[sql][ddl]") {
  const auto m = parsed(
      "CREATE TABLE `facts` (`id` INT(11) UNSIGNED NOT NULL AUTO_INCREMENT, ts DATETIME(6), "
      "note VARCHAR(10) CHARACTER SET utf8mb4 COMMENT 'a, b', KEY ts_idx (ts), PRIMARY KEY "
      "(id)) ENGINE=InnoDB",
      Dialect::mysql);
  CHECK(m.name == std::vector<std::string>{"facts"});
  CHECK(columns(m) == Columns{{"id", "INT(11) UNSIGNED"},
                              {"ts", "DATETIME(6)"},
                              {"note", "VARCHAR(10) CHARACTER SET utf8mb4"}});
  const auto c = parsed(
      "CREATE TABLE db.facts ON CLUSTER main (ts DateTime('UTC'), n Nullable(Decimal(10, 2)) "
      "CODEC(ZSTD), m UInt64 MATERIALIZED n * 2, d DEFAULT now()) ENGINE = MergeTree "
      "ORDER BY ts",
      Dialect::clickhouse);
  CHECK(qualified(c) == "db.facts");
  CHECK(columns(c) == Columns{{"ts", "DateTime('UTC')"},
                              {"n", "Nullable(Decimal(10, 2))"},
                              {"m", "UInt64"},
                              {"d", ""}});
  // ClickHouse names are case-sensitive; the others fold case.
  CHECK_FALSE(creates_table(c, "db.Facts", Dialect::clickhouse));
  CHECK(creates_table(m, "FACTS", Dialect::mysql));
}

TEST_CASE("what is no CREATE TABLE with columns is a problem with its offset", "[sql][ddl]") {
  const auto problem = [](std::string_view ddl, Dialect d = Dialect::postgres) {
    auto t = parse_create_table(ddl, d);
    REQUIRE_FALSE(t);
    return t.error();
  };
  CHECK_THAT(problem("DROP TABLE x").message, Contains("expected CREATE TABLE"));
  CHECK_THAT(problem("CREATE VIEW v AS SELECT 1").message, Contains("only a CREATE TABLE"));
  const auto as = problem("CREATE TABLE t AS SELECT 1");
  CHECK_THAT(as.message, Contains("column list in parentheses"));
  CHECK(as.offset == 15);
  CHECK_THAT(problem("CREATE TABLE t (PRIMARY KEY (a))").message, Contains("has no column"));
  CHECK_THAT(problem("CREATE TABLE t (a int").message, Contains("not closed"));
  CHECK_THAT(problem("CREATE TABLE t (a int, )").message, Contains("expected a column's name"));
  CHECK_THAT(problem("CREATE TABLE t (a text DEFAULT 'x)").message,
             Contains("a string is not closed"));
  CHECK_THAT(problem("CREATE TABLE t (a int); DROP TABLE u").message, Contains("one only"));
  // A trailing ';' is the end of the one statement.
  CHECK(parse_create_table("CREATE TABLE t (a int);", Dialect::postgres));
}
