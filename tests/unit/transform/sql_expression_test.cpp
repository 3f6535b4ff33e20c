// The loader's check that a computed column's `sql` is one expression, as a table of cases.
#include <catch2/catch.hpp>

#include "framework/transform/sql_expression.hpp"

using sluice::transform::check_sql_expression;

TEST_CASE("a computed column's sql must be one expression", "[transform][sql]") {
  struct Case {
    const char* name;
    const char* sql;
    const char* error;  // empty: accepted
  };
  const Case cases[] = {
      {"arithmetic", "amount * 100", ""},
      {"a function", "lower(note)", ""},
      {"commas inside a call", "coalesce(note, 'none', '')", ""},
      {"a cast with a type modifier", "CAST(amount AS numeric(12, 2))", ""},
      {"CASE over several lines", "CASE\n  WHEN amount > 0 THEN 'credit'\n  ELSE 'debit'\nEND", ""},
      {"a semicolon inside a string", "note || ';'", ""},
      {"a doubled quote inside a string", "'it''s ' || note", ""},
      {"an escaped quote in an E string", "E'a\\'; b' || note", ""},
      {"a quoted name with a comma", "\"odd, name\" + 1", ""},
      {"a dollar-quoted string", "$$a;b$$ || note", ""},
      {"a tagged dollar-quoted string", "$q$it's)$q$ || note", ""},
      {"a dollar inside a name", "a$b + 1", ""},
      {"a comma at the top", "amount, note",
       "',' at column 7 outside parentheses: one expression makes one column"},
      {"a second statement", "1; DROP TABLE t", "';' at column 2: one expression, not statements"},
      {"a line comment", "amount -- cents",
       "a comment at column 8: the expression is placed inside a statement, write none"},
      {"a block comment", "amount /* x */",
       "a comment at column 8: the expression is placed inside a statement, write none"},
      {"an unclosed parenthesis", "lower((note)", "'(' at column 6 is not closed"},
      {"a parenthesis closing nothing", "amount) + (1", "')' at column 7 closes nothing"},
      {"an unclosed string", "note || 'x", "a string opened at column 9 is not closed"},
      {"an unclosed quoted name", "\"note", "a quoted name opened at column 1 is not closed"},
      {"an unclosed dollar quote", "$$abc", "a string opened at column 1 is not closed"},
      {"empty", "  \n", "the expression is empty"},
  };
  for (const auto& c : cases) {
    SECTION(c.name) {
      CHECK(check_sql_expression(c.sql) == c.error);
    }
  }
}
