#include <regex>
#include <vector>

#include <catch2/catch.hpp>

#include "framework/store/migrations.hpp"

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
