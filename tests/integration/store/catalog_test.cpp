// The catalog's store (framework/store/catalog.*) on a real PostgreSQL: appends under their
// preconditions, versions counted across origins, a file's text stored once however many
// daemons load it at once, and a table that refuses to be rewritten.
#include <catch2/catch.hpp>

#include <algorithm>
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

namespace {

// Every row of pipeline_definitions but its seq and time, in the order they were added.
std::vector<std::vector<std::string>> definition_rows(store::Connection& c) {
  std::vector<std::vector<std::string>> out;
  for (const auto& row : test::run_sql(c,
                                       "SELECT pipeline_id, version::text, origin, "
                                       "coalesce(file, '-'), yaml, checksum, created_by, "
                                       "deleted::text FROM pipeline_definitions ORDER BY seq")) {
    std::vector<std::string> one;
    for (const auto& field : row) one.push_back(field.as<std::string>());
    out.push_back(std::move(one));
  }
  return out;
}

// A fleet's file texts: more than one batch, an id twice, texts the array syntax and the
// UTF-8 check must carry (quotes, backslashes, braces, commas, NUL, invalid bytes).
std::vector<store::Catalog::FileText> fleet_texts() {
  std::vector<store::Catalog::FileText> out;
  for (int i = 0; i < 1200; ++i) {
    const std::string id = "p" + std::to_string(i);
    out.push_back({PipelineId{id}, "/p/" + id + ".yaml", "id: " + id + "\n"});
  }
  out[3].yaml = "id: p3\ndescription: \"a, {b} \\\" c\\\\d\"\n";
  out[4].file = "/p/odd \"name\", {x}.yaml";
  out[5].yaml = std::string("id: p5\n# nul\0here\n", 18) + "\xff\xfe tail\n";
  out.push_back({PipelineId{"p7"}, "/p/p7-again.yaml", "id: p7\n# another file\n"});
  out.push_back({PipelineId{"p8"}, "/p/p8.yaml", "id: p8\n"});  // p8's text again
  return out;
}

}  // namespace

TEST_CASE("file_versions stores the rows file_version stores one by one, in a few statements",
          "[integration][store][catalog]") {
  test::MigratedDatabase one_by_one, batched;
  const auto& a = one_by_one.c;
  const auto& b = batched.c;
  // The same history on both: p1 has a file version, then a catalog version after it (its
  // text gets a new file version); p2's text is stored already (nothing is written).
  for (auto* c : {a.get(), b.get()}) {
    store::Catalog catalog(*c);
    REQUIRE(catalog.file_version(PipelineId{"p1"}, "/p/p1.yaml", "id: p1\n", "old"));
    REQUIRE(catalog.append({PipelineId{"p1"}, "id: p1\n# cat\n"}, {Kind::absent}, by("root")));
    REQUIRE(catalog.file_version(PipelineId{"p2"}, "/p/p2.yaml", "id: p2\n", "old"));
  }
  const auto texts = fleet_texts();
  std::vector<int> expected;
  store::Catalog catalog_a(*a);
  for (const auto& t : texts)
    expected.push_back(*catalog_a.file_version(t.pipeline, t.file, t.yaml, "host:1"));
  store::Catalog catalog_b(*b);
  const auto versions = catalog_b.file_versions(texts, "host:1");
  REQUIRE(versions);
  CHECK(*versions == expected);
  CHECK((*versions)[1] == 3);  // after p1's file and catalog versions
  CHECK((*versions)[2] == 1);  // p2's stored text
  CHECK(definition_rows(*b) == definition_rows(*a));
  CHECK(test::count(*b, "SELECT count(*) FROM audit_log") ==
        test::count(*a, "SELECT count(*) FROM audit_log"));

  // Loaded again unchanged: the same versions, nothing written.
  const auto seq = test::count(*b, "SELECT max(seq) FROM pipeline_definitions");
  CHECK(*catalog_b.file_versions(texts, "host:2") == expected);
  CHECK(test::count(*b, "SELECT max(seq) FROM pipeline_definitions") == seq);
  CHECK(catalog_b.file_versions({}, "host:2")->empty());
}

TEST_CASE("daemons storing their fleets' versions at once store each text once",
          "[integration][store][catalog]") {
  test::TestDatabase db;
  db.migrate();
  auto texts = fleet_texts();
  texts.resize(700);
  std::vector<std::future<std::vector<int>>> loads;
  for (int i = 0; i < 4; ++i)
    loads.push_back(std::async(std::launch::async, [&db, texts, i]() mutable {
      // Each in another order: the locks are taken in one order whatever the input's.
      if (i % 2) std::reverse(texts.begin(), texts.end());
      auto c = db.connect();
      auto v = *store::Catalog(*c).file_versions(texts, "host:" + std::to_string(i));
      if (i % 2) std::reverse(v.begin(), v.end());
      return v;
    }));
  std::set<std::vector<int>> seen;
  for (auto& l : loads) seen.insert(l.get());
  CHECK(seen == std::set<std::vector<int>>{std::vector<int>(700, 1)});
  auto c = db.connect();
  CHECK(test::count(*c, "SELECT count(*) FROM pipeline_definitions") == 700);
}
