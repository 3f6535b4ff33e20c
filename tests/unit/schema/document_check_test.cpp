// A config document as a whole: duplicate keys anywhere, aliases, depth, and the masking of
// credentials in whatever a diagnostic quotes.
#include <catch2/catch.hpp>

#include "framework/schema/document_check.hpp"

using namespace sluice::config;

namespace {

std::vector<std::string> check(const std::string& text) {
  Diagnostics diags;
  if (auto docs = parse_yaml_text(text, "f.yaml", diags); docs && !docs->empty())
    check_document(docs->front(), "f.yaml", diags);
  std::vector<std::string> out;
  for (const auto& d : diags.sorted()) out.push_back(to_string(d));
  return out;
}

}  // namespace

TEST_CASE("a duplicate key is reported in any mapping, with both places", "[config][document]") {
  CHECK(check("a: 1\nb:\n  - {x: 1, y: 2, x: 3}\n  - c:\n      d: 1\n      d: 2\n") ==
        std::vector<std::string>{
            "f.yaml:3:18: b[0].x: duplicate key 'x' (first at f.yaml:3:6)",
            "f.yaml:6:7: b[1].c.d: duplicate key 'd' (first at f.yaml:5:7)",
        });
  // Three times: the second and third each name the first.
  CHECK(check("k: 1\nk: 2\nk: 3\n").size() == 2);
  // Keys are compared as written: `1` and `01` differ, as do `a` and `A`.
  CHECK(check("1: a\n01: b\na: c\nA: d\n").empty());
}

TEST_CASE("a mapping reached through several aliases is reported once", "[config][document]") {
  const auto found = check("base: &b {x: 1, x: 2}\none: *b\ntwo: *b\n");
  CHECK(found ==
        std::vector<std::string>{"f.yaml:1:17: base.x: duplicate key 'x' (first at f.yaml:1:11)"});
}

TEST_CASE("aliases that expand past the node limit are refused, not walked", "[config][document]") {
  std::string bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i) {
    bomb += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) bomb += (k ? ", *a" : "*a") + std::to_string(i - 1);
    bomb += "]\n";
  }
  const auto found = check(bomb);
  REQUIRE(found.size() == 1);
  CHECK_THAT(found[0], Catch::StartsWith("f.yaml:1:1: the document has more than 200000 nodes"));
}

TEST_CASE("nesting is limited, by the walk and by the parser", "[config][document]") {
  const auto deep = [](int n) { return "x: " + std::string(n, '[') + std::string(n, ']') + "\n"; };
  CHECK(check(deep(60)).empty());
  const auto walk = check(deep(70));
  REQUIRE(walk.size() == 1);
  CHECK_THAT(walk[0], Catch::Contains("nested deeper than 64 levels"));
  const auto parser = check(deep(100000));
  REQUIRE(parser.size() == 1);
  CHECK_THAT(parser[0],
             Catch::StartsWith("f.yaml:1:") &&
                 Catch::EndsWith("nested deeper than 500 levels, the YAML parser's limit"));
}

TEST_CASE("a diagnostic never quotes a credential of the document", "[config][document]") {
  Diagnostics diags;
  auto docs = parse_yaml_text("a: postgresql://u:hunter2pw@h/db\nb: host=h password=hunter3pw\n",
                              "f.yaml", diags);
  REQUIRE(docs);
  check_document(docs->front(), "f.yaml", diags);
  diags.error({"f.yaml", 1, 4}, "a", "got 'postgresql://u:hunter2pw@h/db'");
  diags.error({"f.yaml", 1, 4}, "a", "cron field 'hunter2pw@h/db' is odd");
  diags.error({"f.yaml", 2, 4}, "b", "got 'host=h password=hunter3pw'");
  diags.error({"f.yaml", 3, 1}, "postgresql://u:hunter2pw@h/db", "unknown key");
  std::vector<std::string> out;
  for (const auto& d : diags.sorted()) out.push_back(to_string(d));
  CHECK(out == std::vector<std::string>{
                   "f.yaml:1:4: a: cron field '<redacted>@h/db' is odd",
                   "f.yaml:1:4: a: got 'postgresql://u:<redacted>@h/db'",
                   "f.yaml:2:4: b: got 'host=h password=<redacted>'",
                   "f.yaml:3:1: postgresql://u:<redacted>@h/db: unknown key",
               });
}
