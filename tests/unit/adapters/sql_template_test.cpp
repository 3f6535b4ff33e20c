// The placeholders of a SQL pipeline's statements: found in code, never inside strings,
// quoted names or comments, whatever the quoting rules of each server; everything the loader
// must refuse is reported with its byte offset.
#include <catch2/catch.hpp>

#include "framework/adapters/sql_template.hpp"

using namespace sluice::adapters::sql;
using Catch::Matchers::Contains;

namespace {

// The statement with each placeholder replaced by <name>.
std::string marked(std::string_view text, Dialect d = Dialect::postgres) {
  const auto s = scan(text, d);
  INFO(text);
  for (const auto& p : s.problems) INFO(p.message << " at " << p.offset);
  REQUIRE(s.problems.empty());
  return render(text, s, [](Param p) { return "<" + std::string(name_of(p)) + ">"; });
}

std::string first_problem(std::string_view text, Dialect d = Dialect::postgres) {
  const auto s = scan(text, d);
  REQUIRE_FALSE(s.problems.empty());
  return s.problems.front().message;
}

}  // namespace

TEST_CASE("placeholders in code are found and replaced in place", "[sql][template]") {
  CHECK(marked("INSERT INTO t SELECT * FROM s WHERE ts >= :window_start AND ts < :window_end") ==
        "INSERT INTO t SELECT * FROM s WHERE ts >= <window_start> AND ts < <window_end>");
  CHECK(marked("SELECT :target_day, :window_start,:window_end") ==
        "SELECT <target_day>, <window_start>,<window_end>");
  CHECK(marked("SELECT (:window_start)::date") == "SELECT (<window_start>)::date");
  CHECK(marked("SELECT :window_start::date") == "SELECT <window_start>::date");
  // The same placeholder twice is bound twice.
  CHECK(marked("SELECT :window_end - :window_end") == "SELECT <window_end> - <window_end>");
}

TEST_CASE("a placeholder inside a string, a quoted name or a comment is text", "[sql][template]") {
  SECTION("postgres") {
    CHECK(marked("SELECT ':window_start', 'it''s :window_end' FROM t") ==
          "SELECT ':window_start', 'it''s :window_end' FROM t");
    // E'' takes backslash escapes: \' does not end it.
    CHECK(marked(R"(SELECT E'\' :window_start', :window_end)") ==
          R"(SELECT E'\' :window_start', <window_end>)");
    // A plain string does not: the backslash is a character and the quote ends it.
    CHECK(marked(R"(SELECT '\', :window_end)") == R"(SELECT '\', <window_end>)");
    CHECK(marked("SELECT \":window_start\" FROM t") == "SELECT \":window_start\" FROM t");
    CHECK(marked("SELECT $$ :window_start $$, $x$ it's $$ :window_end $x$, :target_day") ==
          "SELECT $$ :window_start $$, $x$ it's $$ :window_end $x$, <target_day>");
    CHECK(marked("SELECT 1 -- :window_start\n, :window_end") ==
          "SELECT 1 -- :window_start\n, <window_end>");
    // Nested comments: the first */ does not end the outer one.
    CHECK(marked("SELECT /* a /* :window_start */ :window_end */ :target_day") ==
          "SELECT /* a /* :window_start */ :window_end */ <target_day>");
    // A name with $ in it is no dollar quote.
    CHECK(marked("SELECT a$b$c, :window_start") == "SELECT a$b$c, <window_start>");
  }
  SECTION("mysql") {
    const auto d = Dialect::mysql;
    CHECK(marked(R"(SELECT 'it\'s :window_start', ":window_end", :target_day)", d) ==
          R"(SELECT 'it\'s :window_start', ":window_end", <target_day>)");
    CHECK(marked("SELECT `:window_start` # :window_end\n, :target_day", d) ==
          "SELECT `:window_start` # :window_end\n, <target_day>");
    CHECK(marked("SELECT 1 -- :window_start\n, /* :window_end */ :target_day", d) ==
          "SELECT 1 -- :window_start\n, /* :window_end */ <target_day>");
    // `--` without a space after it is two minus signs, not a comment.
    CHECK(marked("SELECT 1--:window_start", d) == "SELECT 1--<window_start>");
    CHECK(marked("SELECT @a := 1, :window_end", d) == "SELECT @a := 1, <window_end>");
  }
  SECTION("clickhouse") {
    const auto d = Dialect::clickhouse;
    CHECK(marked(R"(SELECT 'a\':window_start', `:window_end`, ":x", :target_day)", d) ==
          R"(SELECT 'a\':window_start', `:window_end`, ":x", <target_day>)");
    // `$` is no quote on ClickHouse.
    CHECK(marked("SELECT $$, :window_start", d) == "SELECT $$, <window_start>");
  }
}

TEST_CASE("casts, assignments and slices are not placeholders", "[sql][template]") {
  CHECK(marked("SELECT x::timestamptz, y::window_start FROM t") ==
        "SELECT x::timestamptz, y::window_start FROM t");
  CHECK(marked("SELECT f(a := 1), :window_start") == "SELECT f(a := 1), <window_start>");
  CHECK(marked("SELECT arr[1:2], arr[lo:hi], :window_end") ==
        "SELECT arr[1:2], arr[lo:hi], <window_end>");
  CHECK(marked("SELECT ':' || ':'") == "SELECT ':' || ':'");
}

TEST_CASE("a trailing semicolon and what follows it are left out", "[sql][template]") {
  CHECK(marked("DELETE FROM t WHERE a < :window_end ;  -- done\n") ==
        "DELETE FROM t WHERE a < <window_end>");
  CHECK(marked("SELECT 1;") == "SELECT 1");
}

TEST_CASE("what a statement may not hold is reported with its offset", "[sql][template]") {
  SECTION("an unknown placeholder, with a did-you-mean") {
    const auto s = scan("SELECT 1 WHERE t >= :window_strat", Dialect::postgres);
    REQUIRE(s.problems.size() == 1);
    CHECK(s.problems[0].offset == 20);
    CHECK_THAT(s.problems[0].message,
               Contains("unknown placeholder :window_strat (did you mean :window_start?)"));
    CHECK_THAT(first_problem("SELECT :foo"), Contains(":window_start, :window_end, :target_day"));
  }
  SECTION("unclosed strings, names, comments and dollar quotes") {
    CHECK(first_problem("SELECT 'abc") == "a string is not closed");
    CHECK(first_problem("SELECT 'it''s") == "a string is not closed");
    CHECK(first_problem(R"(SELECT 'a\')", Dialect::mysql) == "a string is not closed");
    CHECK(first_problem("SELECT \"abc") == "a quoted name is not closed");
    CHECK(first_problem("SELECT `abc", Dialect::clickhouse) == "a quoted name is not closed");
    CHECK(first_problem("SELECT /* a /* b */") == "a comment is not closed");
    CHECK(first_problem("SELECT $x$ abc $y$") == "a dollar-quoted string ($x$) is not closed");
    const auto s = scan("SELECT 1, 'x", Dialect::postgres);
    REQUIRE(s.problems.size() == 1);
    CHECK(s.problems[0].offset == 10);
  }
  SECTION("a second statement") {
    CHECK_THAT(first_problem("DELETE FROM t; DROP TABLE t"), Contains("one statement per key"));
    CHECK_THAT(first_problem("SELECT 1;; "), Contains("one statement per key"));
    CHECK_THAT(first_problem("; SELECT 1"), Contains("before any statement"));
  }
  SECTION("the server's own parameters") {
    CHECK_THAT(first_problem("SELECT $1"), Contains("'$1' is the server's own parameter"));
    CHECK_THAT(first_problem("SELECT ?", Dialect::mysql), Contains("'?'"));
    // jsonb's ? operator is PostgreSQL's own, and no parameter there.
    CHECK(marked("SELECT j ? 'k', :window_start") == "SELECT j ? 'k', <window_start>");
  }
  SECTION("nothing at all") {
    CHECK(first_problem("  -- only a comment\n") == "the statement is empty");
    CHECK(first_problem("") == "the statement is empty");
  }
}

TEST_CASE("hostile text never leaves the scanner in a bad state", "[sql][template]") {
  // Every prefix of a statement full of quoting scans without crashing, and a prefix that
  // cuts a string or comment open reports it.
  const std::string text =
      "INSERT INTO \"t\" SELECT E'\\'', $q$ :x $q$, ':y', /* /* */ */ -- z\n :window_start::date";
  for (std::size_t n = 0; n <= text.size(); ++n) {
    for (auto d : {Dialect::postgres, Dialect::mysql, Dialect::clickhouse}) {
      const auto s = scan(std::string_view(text).substr(0, n), d);
      for (const auto& p : s.placeholders) CHECK(p.offset + p.length <= n);
      for (const auto& p : s.problems) CHECK(p.offset <= n);
    }
  }
  CHECK(
      marked(text) ==
      "INSERT INTO \"t\" SELECT E'\\'', $q$ :x $q$, ':y', /* /* */ */ -- z\n <window_start>::date");
}
