// The catalog's store (framework/store/catalog.*) on a real PostgreSQL: appends under their
// preconditions, versions counted across origins, a file's text stored once however many
// daemons load it at once, and a table that refuses to be rewritten.
#include <catch2/catch.hpp>

#include <future>
#include <set>

#include "framework/store/catalog.hpp"
#include "tests/support/test_database.hpp"

using namespace sluice;
using Kind = store::Expect::Kind;
using Outcome = store::Appended::Outcome;

namespace {

store::AuditEntry by(const std::string& actor) {
  return {.actor = actor, .command = "pipeline test"};
}

}  // namespace

TEST_CASE("catalog appends hold their preconditions and keep every version",
          "[integration][store][catalog]") {
  test::TestDatabase db;
  db.migrate();
  auto c = db.connect();
  store::Catalog catalog(*c);
  const PipelineId orders{"orders"};

  REQUIRE(*catalog.last_change() == 0);
  auto first = catalog.append({orders, "id: orders\n", "first"}, {Kind::absent}, by("root"));
  REQUIRE(first);
  CHECK(first->outcome == Outcome::added);
  CHECK(first->version == 1);
  CHECK(first->checksum.size() == 64);
  CHECK(catalog.append({orders, "id: orders\n"}, {Kind::absent}, by("root"))->outcome ==
        Outcome::exists);

  // A file version in between takes a number, and changes no catalog precondition.
  CHECK(*catalog.file_version(orders, "/etc/sluice/pipelines.d/orders.yaml", "id: orders # f\n",
                              "host:1") == 2);
  const auto seq = *catalog.last_change();
  auto second = catalog.append({orders, "id: orders\n# 2\n"}, {Kind::current, 1}, by("root"));
  REQUIRE(second);
  CHECK(second->outcome == Outcome::added);
  CHECK(second->version == 3);
  CHECK(*catalog.last_change() > seq);
  auto stale = catalog.append({orders, "id: orders\n# x\n"}, {Kind::current, 1}, by("root"));
  CHECK(stale->outcome == Outcome::stale);
  CHECK(stale->current == 3);

  REQUIRE(catalog.current()->size() == 1);
  CHECK(catalog.current()->front().version == 3);
  auto gone = catalog.append({orders, "id: orders\n# 2\n", "", true}, {Kind::current}, by("root"));
  CHECK(gone->outcome == Outcome::added);
  CHECK(catalog.current()->empty());
  CHECK(catalog.append({orders, "x"}, {Kind::current}, by("root"))->outcome == Outcome::missing);
  CHECK(catalog.append({orders, "id: orders\n"}, {Kind::absent}, by("root"))->outcome ==
        Outcome::added);  // made again after its delete

  const auto history = *catalog.history(orders);
  REQUIRE(history.size() == 5);
  CHECK(history[4].comment == "first");
  CHECK(history[3].origin == store::Origin::file);
  CHECK(history[1].deleted);
  CHECK(test::count(*c, "SELECT count(*) FROM audit_log WHERE actor = 'root'") == 4);

  // Append-only: the text of a version cannot be rewritten or removed.
  CHECK_THROWS(test::run_sql(*c, "UPDATE pipeline_definitions SET yaml = 'x'"));
  CHECK_THROWS(test::run_sql(*c, "DELETE FROM pipeline_definitions"));
}

TEST_CASE("a file's text is stored once when eight daemons load it at once",
          "[integration][store][catalog]") {
  test::TestDatabase db;
  db.migrate();
  std::vector<std::future<int>> loads;
  for (int i = 0; i < 8; ++i)
    loads.push_back(std::async(std::launch::async, [&db, i] {
      auto c = db.connect();
      return *store::Catalog(*c).file_version(PipelineId{"events"}, "/p/events.yaml",
                                              "id: events\n", "host:" + std::to_string(i));
    }));
  std::set<int> versions;
  for (auto& l : loads) versions.insert(l.get());
  CHECK(versions == std::set<int>{1});
  auto c = db.connect();
  CHECK(test::count(*c, "SELECT count(*) FROM pipeline_definitions") == 1);
  // Back to an earlier text: its version again, not a new one.
  store::Catalog catalog(*c);
  CHECK(*catalog.file_version(PipelineId{"events"}, "/p/events.yaml", "id: events # 2\n", "h") ==
        2);
  CHECK(*catalog.file_version(PipelineId{"events"}, "/p/events.yaml", "id: events\n", "h") == 1);
}
