// The nesting check every adapter runs on JSON from outside before anything recursive.
#include <catch2/catch.hpp>

#include "framework/adapters/json_depth.hpp"

using namespace sluice::adapters;

TEST_CASE("json_too_deep finds the first bracket past the limit, strings skipped", "[adapters]") {
  struct Case {
    const char* name;
    std::string text;
    std::size_t max;
    std::optional<std::size_t> at;
  };
  const Case cases[] = {
      {"scalar", "1", 0, std::nullopt},
      {"at the limit", "[[1]]", 2, std::nullopt},
      {"one past", "[[[1]]]", 2, 2},
      {"siblings do not add up", "[[1],[2],{\"a\":3}]", 2, std::nullopt},
      {"after siblings", "[[1],[2],{\"a\":[3]}]", 2, 14},
      {"objects count", R"({"a":{"b":{}}})", 2, 10},
      {"brackets in strings", R"(["[[[[", "{{{{"])", 1, std::nullopt},
      {"an escaped quote does not end the string", R"(["\"[[[", 1])", 1, std::nullopt},
      {"an escaped backslash does", R"(["\\", [1]])", 1, 7},
      {"unbalanced closers do not go below zero", "]]]][[1]]", 2, std::nullopt},
      {"an unterminated string hides the rest", "[\"[[[[", 1, std::nullopt},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    CHECK(json_too_deep(c.text, c.max) == c.at);
  }
  const std::string deep = std::string(1000000, '[') + std::string(1000000, ']');
  CHECK(json_too_deep(deep, 512) == 512);
  CHECK(too_deep_message(512, 7) ==
        "JSON nested deeper than 512 levels at byte 7 (max_json_depth)");
}
