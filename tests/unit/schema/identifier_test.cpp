#include <catch2/catch.hpp>

#include "framework/schema/identifier.hpp"

using namespace sluice::config;

TEST_CASE("table and column names: plain identifiers only", "[config][identifier]") {
  struct Case {
    const char* name;
    const char* text;
    const char* table_error;   // "" when valid
    const char* column_error;  // "" when valid
  };
  const std::string long_name(64, 'a');
  for (const auto& c : {
           Case{"simple", "events", "", ""},
           Case{"schema.table", "demo.events_copy", "",
                "invalid SQL identifier 'demo.events_copy': a column name has no '.'"},
           Case{"mixed case kept", "Demo.Events", "",
                "invalid SQL identifier 'Demo.Events': a column name has no '.'"},
           Case{"underscore start", "_tmp", "", ""},
           Case{"empty", "", "empty SQL identifier", "empty SQL identifier"},
           Case{"dash", "events-copy",
                "invalid SQL identifier 'events-copy': '-' at character 7 is not allowed "
                "(letters, digits and _)",
                "invalid SQL identifier 'events-copy': '-' at character 7 is not allowed "
                "(letters, digits and _)"},
           Case{"quote", "x\"; drop table y; --",
                "invalid SQL identifier 'x\"; drop table y; --': '\"' at character 2 is not "
                "allowed (letters, digits and _)",
                "invalid SQL identifier 'x\"; drop table y; --': '\"' at character 2 is not "
                "allowed (letters, digits and _)"},
           Case{"digit start", "demo.1events",
                "invalid SQL identifier 'demo.1events': '1events' starts with a digit (start "
                "with a letter or _)",
                "invalid SQL identifier 'demo.1events': a column name has no '.'"},
           Case{"three parts", "a.b.c", "invalid SQL identifier 'a.b.c': at most schema.table",
                "invalid SQL identifier 'a.b.c': a column name has no '.'"},
           Case{"empty part", "demo.", "invalid SQL identifier 'demo.': empty name around '.'",
                "invalid SQL identifier 'demo.': a column name has no '.'"},
           Case{"non-ASCII", "événements",
                "invalid SQL identifier 'événements': '\xc3' at character 1 is not allowed "
                "(letters, digits and _)",
                "invalid SQL identifier 'événements': '\xc3' at character 1 is not allowed "
                "(letters, digits and _)"},
       }) {
    INFO(c.name);
    CHECK(check_table_name(c.text) == c.table_error);
    CHECK(check_column_name(c.text) == c.column_error);
  }
  CHECK(check_table_name(long_name) == "invalid SQL identifier '" + long_name + "': '" + long_name +
                                           "' is longer than 63 characters");
  CHECK(check_column_name(std::string(63, 'a')).empty());
}

TEST_CASE("qualified names split at the dot", "[config][identifier]") {
  CHECK(split_identifier("demo.events") == std::vector<std::string>{"demo", "events"});
  CHECK(split_identifier("events") == std::vector<std::string>{"events"});
}
