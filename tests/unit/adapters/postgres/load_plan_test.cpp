// The statements of a PostgreSQL load with and without computed columns, and how a failed
// INSERT ... SELECT is told to the operator.
#include <catch2/catch.hpp>

#include "framework/adapters/postgres/load_plan.hpp"

using namespace sluice;
using namespace sluice::adapters;
using namespace sluice::adapters::postgres;

namespace {

const std::vector<Column> kLoaded{{"id"}, {"amount"}, {"note"}};
const std::vector<ComputedColumn> kComputed{
    {"cents", "amount * 100", "pipelines.d/orders.yaml:20:7"},
    {"lowered", "lower(note)", "pipelines.d/orders.yaml:22:7"}};

}  // namespace

TEST_CASE("without computed columns the rows are copied straight into the table",
          "[postgres][load]") {
  auto plan = plan_load("demo.orders", kLoaded, {});
  REQUIRE(plan);
  CHECK_FALSE(plan->through_temporary());
  CHECK(plan->copy == R"(COPY "demo"."orders" ("id", "amount", "note") FROM STDIN)");
  CHECK(plan->create_temporary.empty());
  CHECK(plan->insert.empty());
}

TEST_CASE("computed columns go through a temporary table and one INSERT ... SELECT",
          "[postgres][load]") {
  auto plan = plan_load("demo.orders", kLoaded, kComputed);
  REQUIRE(plan);
  CHECK(plan->through_temporary());
  CHECK(
      plan->create_temporary ==
      R"(CREATE TEMPORARY TABLE sluice_window_rows ON COMMIT DROP AS SELECT "id", "amount", "note" FROM "demo"."orders" WITH NO DATA)");
  CHECK(plan->copy == R"(COPY pg_temp.sluice_window_rows ("id", "amount", "note") FROM STDIN)");
  CHECK(
      plan->insert ==
      "INSERT INTO \"demo\".\"orders\" (\"id\", \"amount\", \"note\", \"cents\", \"lowered\") "
      "SELECT loaded.\"id\", loaded.\"amount\", loaded.\"note\", (amount * 100\n), (lower(note)\n) "
      "FROM pg_temp.sluice_window_rows AS loaded");
  REQUIRE(plan->expressions.size() == 2);
  const auto text = [&](std::pair<int, int> span) {
    return plan->insert.substr(static_cast<std::size_t>(span.first - 1),
                               static_cast<std::size_t>(span.second - span.first));
  };
  CHECK(text(plan->expressions[0]) == "(amount * 100\n)");
  CHECK(text(plan->expressions[1]) == "(lower(note)\n)");
}

TEST_CASE("names are quoted, and expression positions count characters as the server does",
          "[postgres][load]") {
  const std::vector<ComputedColumn> computed{{"x\"y", "1/0", "p.yaml:3:7"}};
  auto plan = plan_load("é", std::vector<Column>{{"ü"}}, computed);
  REQUIRE(plan);
  CHECK(plan->insert ==
        "INSERT INTO \"é\" (\"ü\", \"x\"\"y\") SELECT loaded.\"ü\", (1/0\n) FROM "
        "pg_temp.sluice_window_rows AS loaded");
  // Two of the characters before the expression take two bytes each.
  REQUIRE(plan->expressions.size() == 1);
  CHECK(plan->expressions[0] == std::pair{50, 56});
}

TEST_CASE("a computed column named like a loaded one is refused before anything runs",
          "[postgres][load]") {
  const std::vector<ComputedColumn> computed{
      {"note", "upper(note)", "pipelines.d/orders.yaml:24:7"}};
  auto plan = plan_load("demo.orders", kLoaded, computed);
  REQUIRE_FALSE(plan);
  CHECK(plan.error().kind == ErrorKind::permanent);
  CHECK(plan.error().message ==
        "pipelines.d/orders.yaml:24:7: transform column 'note' is computed by the target, and the "
        "loaded rows have a column 'note' too (list the loaded columns with 'from', or rename it)");
}

TEST_CASE("a failed INSERT names the computed column the server points at", "[postgres][load]") {
  auto plan = plan_load("demo.orders", kLoaded, kComputed);
  REQUIRE(plan);
  const int in_lowered = plan->expressions[1].first + 1;
  struct Case {
    const char* name;
    ServerError said;
    ErrorKind kind;
    const char* message;
  };
  const Case cases[] = {
      {"a position inside the second expression",
       {"42883", "function lowr(text) does not exist", "", "No function matches.", in_lowered},
       ErrorKind::permanent,
       "pipelines.d/orders.yaml:22:7: transform column 'lowered', sql `lower(note)`: function "
       "lowr(text) does not exist (hint: No function matches.) [SQLSTATE 42883]"},
      {"the opening parenthesis of the first",
       {"42601", "syntax error at or near \"*\"", "", "", plan->expressions[0].first},
       ErrorKind::permanent,
       "pipelines.d/orders.yaml:20:7: transform column 'cents', sql `amount * 100`: syntax error "
       "at or near \"*\" [SQLSTATE 42601]"},
      {"no position: every computed column",
       {"22012", "division by zero", "", "", 0},
       ErrorKind::permanent,
       "INSERT into demo.orders with the computed columns 'cents' (pipelines.d/orders.yaml:20:7), "
       "'lowered' (pipelines.d/orders.yaml:22:7): division by zero [SQLSTATE 22012]"},
      {"a position outside the expressions",
       {"42703", "column \"amount\" of relation \"orders\" does not exist", "", "", 30},
       ErrorKind::permanent,
       "INSERT into demo.orders with the computed columns 'cents' (pipelines.d/orders.yaml:20:7), "
       "'lowered' (pipelines.d/orders.yaml:22:7): column \"amount\" of relation \"orders\" does "
       "not "
       "exist [SQLSTATE 42703]"},
      {"a constraint is an integrity error, with its detail",
       {"23502", "null value in column \"cents\" violates not-null constraint",
        "Failing row contains (1, null, x, null, x).", "", 0},
       ErrorKind::integrity,
       "INSERT into demo.orders with the computed columns 'cents' (pipelines.d/orders.yaml:20:7), "
       "'lowered' (pipelines.d/orders.yaml:22:7): null value in column \"cents\" violates not-null "
       "constraint (Failing row contains (1, null, x, null, x).) [SQLSTATE 23502]"},
  };
  for (const auto& c : cases) {
    SECTION(c.name) {
      const Error e = insert_error(*plan, kComputed, "demo.orders", c.said);
      CHECK(e.kind == c.kind);
      CHECK(e.message == c.message);
    }
  }
}

TEST_CASE("append copies straight into the table, as a replacement does after its DELETE",
          "[postgres][load][load_modes]") {
  auto plan = plan_load("demo.orders", kLoaded, {}, LoadMode::append);
  REQUIRE(plan);
  CHECK_FALSE(plan->through_temporary());
  CHECK_FALSE(plan->upserts());
  CHECK(plan->copy == R"(COPY "demo"."orders" ("id", "amount", "note") FROM STDIN)");
}

TEST_CASE("upsert goes through the temporary table and ON CONFLICT of its key",
          "[postgres][load][load_modes]") {
  const std::vector<std::string> key{"id"};
  auto plan = plan_load("demo.orders", kLoaded, {}, LoadMode::upsert, key);
  REQUIRE(plan);
  CHECK(plan->upserts());
  CHECK(plan->copy == R"(COPY pg_temp.sluice_window_rows ("id", "amount", "note") FROM STDIN)");
  CHECK(plan->insert ==
        "INSERT INTO \"demo\".\"orders\" (\"id\", \"amount\", \"note\") SELECT loaded.\"id\", "
        "loaded.\"amount\", loaded.\"note\" FROM pg_temp.sluice_window_rows AS loaded ON CONFLICT "
        "(\"id\") DO UPDATE SET \"amount\" = EXCLUDED.\"amount\", \"note\" = EXCLUDED.\"note\"");
  CHECK(plan->null_keys == "SELECT count(*) FROM pg_temp.sluice_window_rows WHERE \"id\" IS NULL");
  CHECK(plan->held ==
        "SELECT count(*) FROM \"demo\".\"orders\" AS t WHERE (t.\"id\") IN (SELECT \"id\" FROM "
        "pg_temp.sluice_window_rows)");

  SECTION("computed columns are updated too; a key of every column updates nothing") {
    auto computed = plan_load("demo.orders", kLoaded, kComputed, LoadMode::upsert, key);
    REQUIRE(computed);
    CHECK(computed->insert.ends_with(
        "ON CONFLICT (\"id\") DO UPDATE SET \"amount\" = EXCLUDED.\"amount\", \"note\" = "
        "EXCLUDED.\"note\", \"cents\" = EXCLUDED.\"cents\", \"lowered\" = EXCLUDED.\"lowered\""));
    const std::vector<std::string> all{"note", "id", "amount"};
    auto every = plan_load("demo.orders", kLoaded, {}, LoadMode::upsert, all);
    REQUIRE(every);
    CHECK(every->insert.ends_with(" ON CONFLICT (\"note\", \"id\", \"amount\") DO NOTHING"));
  }
  SECTION("a key column that is not loaded is refused before anything runs") {
    const std::vector<std::string> region{"id", "region"};
    auto refused = plan_load("demo.orders", kLoaded, {}, LoadMode::upsert, region);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().kind == ErrorKind::permanent);
    CHECK(refused.error().message ==
          "upsert: key column 'region' is not among the loaded columns (id, amount, note)");
  }
  SECTION("a key repeated in the window, or no unique index, is said as such") {
    const Error twice = insert_error(
        *plan, {}, "demo.orders",
        {"21000", "ON CONFLICT DO UPDATE command cannot affect row a second time", "", "", 0}, key);
    CHECK(twice.kind == ErrorKind::permanent);
    CHECK(twice.message.starts_with(
        "upsert into demo.orders: two rows of the window have the same key (\"id\")"));
    const Error no_index =
        insert_error(*plan, {}, "demo.orders",
                     {"42P10",
                      "there is no unique or exclusion constraint matching the ON CONFLICT "
                      "specification",
                      "", "", 0},
                     key);
    CHECK(no_index.kind == ErrorKind::permanent);
    CHECK(no_index.message.starts_with(
        "upsert into demo.orders needs a primary key or unique index on exactly (\"id\")"));
  }
}

TEST_CASE("computed columns are described by name and place", "[load]") {
  CHECK(describe(kComputed) ==
        "'cents' (pipelines.d/orders.yaml:20:7), 'lowered' (pipelines.d/orders.yaml:22:7)");
  CHECK(check_computed_names(kLoaded, kComputed));
}
