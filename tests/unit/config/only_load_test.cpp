// LoadOptions::only: the named pipelines' files (and their upstreams') are built, the others
// only scanned for their id; each named pipeline comes out loaded or quarantined exactly as
// a load of every file has it.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "framework/config/load.hpp"
#include "tests/support/config_tree.hpp"

using namespace sluice;
namespace fs = std::filesystem;

namespace {

std::string pipeline(const std::string& id, const std::string& extra = "") {
  return test::sample_pipeline(id, extra);
}

struct Tree : test::ConfigTree {
  using ConfigTree::ConfigTree;
  config::Config only(std::vector<std::string> ids) const { return loaded(&ids); }
};

std::vector<std::string> ids(const config::Config& c) {
  std::vector<std::string> out;
  for (const auto& p : c.pipelines) out.push_back(p.id.value);
  return out;
}

std::vector<std::string> quarantined(const config::Config& c) {
  std::vector<std::string> out;
  for (const auto& q : c.quarantined) out.push_back(q.pipeline.value);
  return out;
}

// The id as both loads have it: the same file loaded, or quarantined at the same first
// error (its message may list other ids: only the place and key are compared).
void same_outcome(const config::Config& whole, const config::Config& part, const std::string& id) {
  CAPTURE(id);
  const auto* a = whole.find_pipeline(id);
  const auto* b = part.find_pipeline(id);
  REQUIRE(bool(a) == bool(b));
  if (a) {
    CHECK(a->file == b->file);
    CHECK(a->text == b->text);
  }
  const auto* qa = whole.find_quarantined(id);
  const auto* qb = part.find_quarantined(id);
  REQUIRE(bool(qa) == bool(qb));
  if (qa) {
    CHECK(qa->file == qb->file);
    CHECK(qa->error.where == qb->error.where);
    CHECK(qa->error.path == qb->error.path);
  }
}

}  // namespace

TEST_CASE("only the named pipeline's file is built: a broken other file is not read",
          "[config][only]") {
  Tree t({{"a.yaml", pipeline("a")},
          {"b.yaml", pipeline("b", "retires: 3\n")},  // an unknown key
          {"c.yaml", "id: c\nsource: [unclosed\n"},   // not even YAML
          {"d.yaml", pipeline("d")}});
  const auto part = t.only({"a"});
  CHECK(ids(part) == std::vector<std::string>{"a"});
  CHECK(part.quarantined.empty());
  // The whole load still reports both (validate, status without ids).
  CHECK(quarantined(t.loaded()) == std::vector<std::string>{"b", "c"});
  // Several ids; one with errors comes out quarantined as it would.
  const auto two = t.only({"d", "b"});
  CHECK(ids(two) == std::vector<std::string>{"d"});
  CHECK(quarantined(two) == std::vector<std::string>{"b"});
  same_outcome(t.loaded(), two, "b");
  // None: the daemon file alone.
  const auto none = t.only({});
  CHECK(none.pipelines.empty());
  CHECK(none.quarantined.empty());
}

TEST_CASE("an id other than the file's name is found by the scan of every file", "[config][only]") {
  Tree t({{"x.yaml", pipeline("orders")}, {"y.yaml", pipeline("events")}});
  const auto part = t.only({"events"});
  REQUIRE(ids(part) == std::vector<std::string>{"events"});
  CHECK(part.pipelines.front().file.filename() == "y.yaml");
  // An id no file holds: nothing loaded (the caller loads every file for its message).
  CHECK(t.only({"nope"}).pipelines.empty());
}

TEST_CASE("the files sharing a named id are all built: the same one wins", "[config][only]") {
  Tree t({{"a1.yaml", pipeline("a", "retires: 3\n")},  // the first, with an error
          {"a2.yaml", pipeline("a")},
          {"a3.yaml", pipeline("a")},
          {"z.yaml", pipeline("z")}});
  const auto whole = t.loaded();
  const auto part = t.only({"a"});
  same_outcome(whole, part, "a");
  CHECK(part.find_pipeline("a")->file.filename() == "a2.yaml");
  CHECK(quarantined(part) == quarantined(whole));
  // A catalog definition of the id is the one loaded, as in a whole load.
  t.catalog.push_back({"a", 2, pipeline("a", "tags: [catalog]\n")});
  const auto with_catalog = t.only({"a"});
  same_outcome(t.loaded(), with_catalog, "a");
  CHECK(with_catalog.find_pipeline("a")->from_catalog());
  CHECK(quarantined(with_catalog) == quarantined(t.loaded()));
  // A definition held as `renamed` whose text says `z` (an error of its own) still takes
  // z's file out, as in a whole load.
  t.catalog.push_back({"renamed", 1, pipeline("z")});
  same_outcome(t.loaded(), t.only({"z"}), "z");
  CHECK_FALSE(t.only({"z"}).find_pipeline("z"));
}

TEST_CASE("the upstreams of a named pipeline are built, so its graph checks hold",
          "[config][only]") {
  Tree t({{"a.yaml", pipeline("a")},
          {"b.yaml", pipeline("b", "depends_on: [a]\n")},
          {"c.yaml", pipeline("c", "depends_on: [b]\n")},
          {"d.yaml", pipeline("d", "depends_on: [missing]\n")},
          {"e.yaml", pipeline("e", "depends_on: [f]\n")},
          {"f.yaml", pipeline("f", "depends_on: [g]\n")},
          {"g.yaml", pipeline("g", "depends_on: [e]\n")},
          {"h.yaml", pipeline("h", "depends_on: [cat]\n")},
          {"other.yaml", pipeline("other")}});
  t.catalog.push_back({"cat", 1, pipeline("cat", "depends_on: [a]\n")});
  const auto whole = t.loaded();
  for (const std::string id : {"a", "b", "c", "d", "e", "f", "g", "h", "cat", "other"})
    same_outcome(whole, t.only({id}), id);
  // c needs b and a, transitively; nothing below it or beside it.
  CHECK(ids(t.only({"c"})) == std::vector<std::string>{"a", "b", "c"});
  // A cycle is found from any of its members.
  CHECK(quarantined(t.only({"f"})) == std::vector<std::string>{"e", "f", "g"});
  // An upstream in the catalog, and the catalog's upstream in a file.
  CHECK(ids(t.only({"h"})) == std::vector<std::string>{"a", "h", "cat"});
}

TEST_CASE("files the scan is unsure of are built, and a file without an id is found by its name",
          "[config][only]") {
  // The id in flow style, quoted as a key, or written twice: the scan cannot be sure.
  std::string flow = pipeline("flowed");
  flow.replace(0, std::string("id: flowed").size(), "\"id\": flowed");
  std::string twice = pipeline("twice");
  twice += "description: \"a\nid: decoy\"\n";
  Tree t({{"f.yaml", flow},
          {"t.yaml", twice},
          {"noid.yaml", "source:\n  connection: pg\n"},
          {"plain.yaml", pipeline("plain")}});
  const auto whole = t.loaded();
  for (const std::string id : {"flowed", "twice", "decoy", "noid", "plain"})
    same_outcome(whole, t.only({id}), id);
  CHECK(t.only({"flowed"}).find_pipeline("flowed"));
  CHECK(t.only({"noid"}).find_quarantined("noid"));
  // A file named like the id whose own id is another: built, and that one is not loaded
  // under the name.
  Tree renamed({{"orders.yaml", pipeline("events")}});
  const auto part = renamed.only({"orders"});
  CHECK_FALSE(part.find_pipeline("orders"));
  CHECK(ids(part) == std::vector<std::string>{"events"});
}

TEST_CASE(
    "a hostile pipelines directory: a FIFO, a directory and an empty file named like "
    "pipelines are not waited on and come out as a whole load has them",
    "[config][only]") {
  Tree t({{"a.yaml", pipeline("a")}, {"empty.yaml", ""}});
  REQUIRE(mkfifo((t.dir.path() / "pipelines.d" / "fifo.yaml").c_str(), 0600) == 0);
  fs::create_directories(t.dir.path() / "pipelines.d" / "dir.yaml");
  const auto whole = t.loaded();
  for (const std::string id : {"a", "empty", "fifo", "dir"}) same_outcome(whole, t.only({id}), id);
  CHECK(ids(t.only({"a"})) == std::vector<std::string>{"a"});
}
