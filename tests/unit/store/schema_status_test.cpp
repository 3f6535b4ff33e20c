#include <regex>
#include <vector>

#include <catch2/catch.hpp>

#include "framework/store/migrations.hpp"
#include "framework/store/schema_objects.hpp"

using namespace sluice;
using namespace sluice::store;

namespace {

Migration known(int version, std::string name, std::string checksum = "") {
  if (checksum.empty()) checksum = "sum-" + name;
  return {version, std::move(name), std::move(checksum), "SELECT 1;"};
}

AppliedMigration applied(int version, std::string name, std::string checksum = "") {
  if (checksum.empty()) checksum = "sum-" + name;
  return {version, std::move(name), std::move(checksum), "2024-01-01T00:00:00Z", "test", {}};
}

template <class T>
std::vector<int> versions(const std::vector<T>& items) {
  std::vector<int> out;
  for (const auto& i : items) out.push_back(i.version);
  return out;
}

const std::vector<Migration> kKnown{known(1, "a"), known(2, "b"), known(3, "c")};

}  // namespace

TEST_CASE("compare_schema sorts every migration into exactly one state", "[store][schema]") {
  struct Case {
    const char* name;
    std::vector<AppliedMigration> applied;
    int current;
    std::vector<int> pending, skipped, unknown, changed;
    bool up_to_date;
  };
  for (const auto& c : std::vector<Case>{
           {"fresh database", {}, 0, {1, 2, 3}, {}, {}, {}, false},
           {"partly applied", {applied(1, "a")}, 1, {2, 3}, {}, {}, {}, false},
           {"up to date",
            {applied(1, "a"), applied(2, "b"), applied(3, "c")},
            3,
            {},
            {},
            {},
            {},
            true},
           {"edited after applying",
            {applied(1, "a"), applied(2, "b", "other")},
            2,
            {3},
            {},
            {},
            {2},
            false},
           {"renamed after applying",
            {applied(1, "a"), applied(2, "bee", "sum-b")},
            2,
            {3},
            {},
            {},
            {2},
            false},
           {"a gap below the applied version",
            {applied(1, "a"), applied(3, "c")},
            3,
            {},
            {2},
            {},
            {},
            false},
           {"newer than the binary",
            {applied(1, "a"), applied(2, "b"), applied(3, "c"), applied(4, "d")},
            4,
            {},
            {},
            {4},
            {},
            false},
       }) {
    INFO(c.name);
    const auto s = compare_schema(kKnown, c.applied);
    CHECK(s.current_version == c.current);
    CHECK(s.expected_version == 3);
    CHECK(versions(s.pending) == c.pending);
    CHECK(versions(s.skipped) == c.skipped);
    CHECK(versions(s.unknown) == c.unknown);
    std::vector<int> changed;
    for (const auto& ch : s.changed) changed.push_back(ch.known.version);
    CHECK(changed == c.changed);
    CHECK(s.up_to_date() == c.up_to_date);
    CHECK(s.applied.size() == c.applied.size());
  }
}

TEST_CASE("schema_problem tells the operator what is wrong and what to run", "[store][schema]") {
  SECTION("up to date: nothing to say") {
    auto s = compare_schema(kKnown, std::vector{applied(1, "a"), applied(2, "b"), applied(3, "c")});
    CHECK_FALSE(schema_problem(s, "sluiced"));
    CHECK(s.problems("sluiced").empty());
  }
  SECTION("pending: the version, the need and the command") {
    auto s = compare_schema(kKnown, std::vector{applied(1, "a")});
    REQUIRE(schema_problem(s, "sluiced"));
    CHECK(*schema_problem(s, "sluiced") ==
          "database schema is at version 1, this sluiced needs 3: run `sluicectl db migrate` "
          "(pending: 0002_b, 0003_c)");
    CHECK(s.problems("sluiced").empty());  // pending alone does not stop migrate
  }
  SECTION("edited: names the migration and both checksums") {
    auto s = compare_schema(kKnown,
                            std::vector{applied(1, "a"), applied(2, "b", "0123456789abcdef0123")});
    const auto problems = s.problems("sluicectl");
    REQUIRE(problems.size() == 1);
    CHECK(problems[0] ==
          "migration 0002_b was edited after it was applied (checksum in the database "
          "0123456789ab..., in this sluicectl sum-b...): restore the original file and put the "
          "change in a new migration");
    CHECK_THAT(*schema_problem(s, "sluiced"), Catch::StartsWith("database schema is at version 2"));
  }
  SECTION("newer: names the unknown migrations and says to upgrade") {
    auto s = compare_schema(kKnown, std::vector{applied(1, "a"), applied(2, "b"), applied(3, "c"),
                                                applied(4, "d"), applied(5, "e")});
    REQUIRE(s.problems("sluiced").size() == 1);
    CHECK(*schema_problem(s, "sluiced") ==
          "database schema is at version 5, this sluiced needs 3: the database has migrations "
          "this sluiced does not know (0004_d, 0005_e): the schema is newer than this sluiced "
          "(it knows up to version 3); upgrade sluiced");
  }
  SECTION("out of order: names the skipped one") {
    auto s = compare_schema(kKnown, std::vector{applied(1, "a"), applied(3, "c")});
    REQUIRE(s.problems("sluicectl").size() == 1);
    CHECK_THAT(s.problems("sluicectl")[0],
               Catch::StartsWith("migration 0002_b is not applied although later ones are"));
  }
  SECTION("every problem at once") {
    auto s =
        compare_schema(kKnown, std::vector{applied(1, "a", "x"), applied(3, "c"), applied(9, "z")});
    CHECK(s.problems("sluicectl").size() == 3);
  }
}

TEST_CASE("the embedded migrations are sql/migrations, numbered 1..N, with checksums",
          "[store][schema]") {
  const auto& all = embedded_migrations();
  REQUIRE(all.size() >= 5);
  const std::regex name_rule("[a-z0-9_]+"), sha256("[0-9a-f]{64}");
  for (std::size_t i = 0; i < all.size(); ++i) {
    INFO(all[i].label());
    CHECK(all[i].version == static_cast<int>(i) + 1);
    CHECK(std::regex_match(all[i].name, name_rule));
    CHECK(std::regex_match(all[i].checksum, sha256));
    CHECK_FALSE(all[i].sql.empty());
  }
  CHECK(all.front().label() == "0001_pipeline_records");
  CHECK_THAT(all.front().sql, Catch::Contains("CREATE TABLE pipeline_records"));
}

TEST_CASE("schema_differences names each missing or retyped object, extras only when asked",
          "[store][schema]") {
  SchemaObjects expected;
  expected.tables["t"] = {{"a", "integer"}, {"b", "text"}};
  expected.tables["u"] = {{"x", "jsonb"}};
  expected.functions["f(text[], integer)"] = "SETOF t";
  expected.functions["g()"] = "trigger";
  expected.triggers = {"t.touch"};

  CHECK(schema_differences(expected, expected, true).empty());

  SchemaObjects actual = expected;
  actual.tables["t"].erase("b");
  actual.tables["t"]["a"] = "bigint";
  actual.tables["t"]["mine"] = "text";  // added by an operator
  actual.tables.erase("u");
  actual.functions.erase("g()");
  actual.functions["f(text[], integer)"] = "integer";
  actual.functions["h()"] = "void";
  actual.triggers = {"t.other"};
  const std::vector<std::string> missing{"t.a: bigint, expected integer",
                                         "t.b: missing",
                                         "table u: missing",
                                         "function f(text[], integer): returns integer, expected "
                                         "SETOF t",
                                         "function g(): missing",
                                         "trigger t.touch: missing"};
  CHECK(schema_differences(expected, actual) == missing);
  auto both = missing;
  for (const char* extra :
       {"t.mine: not expected", "function h(): not expected", "trigger t.other: not expected"})
    both.push_back(extra);
  CHECK(schema_differences(expected, actual, true) == both);
}

TEST_CASE("schema_problem names the objects of a current schema changed by hand",
          "[store][schema]") {
  auto s = compare_schema(kKnown, std::vector{applied(1, "a"), applied(2, "b"), applied(3, "c")});
  CHECK_FALSE(schema_problem(s, "sluiced"));
  s.differences = {"pipeline_records.heartbeat_at: missing", "function sluice_claim(): missing"};
  CHECK_FALSE(s.up_to_date());
  CHECK(schema_problem(s, "sluiced") ==
        "database schema is at version 3 but differs from what this sluiced uses (changed by "
        "hand?): pipeline_records.heartbeat_at: missing; function sluice_claim(): missing");
  CHECK(s.problems("sluiced").empty());  // migrating is still safe
}

TEST_CASE("the expected schema objects cover what the store's statements name", "[store][schema]") {
  const auto& e = expected_schema_objects();
  for (const char* table : {"pipeline_records", "pipeline_events", "pipelines", "backfill_requests",
                            "audit_log", "schema_migrations"})
    CHECK(e.tables.contains(table));
  CHECK(e.tables.at("pipeline_records").at("heartbeat_at") == "timestamp with time zone");
  CHECK(e.functions.at("sluice_claim(text[], integer[], integer[], integer[], text[], integer[], "
                       "integer[], integer[], text)") == "SETOF pipeline_records");
}
