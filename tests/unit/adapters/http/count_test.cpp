// The count endpoint's answer: the count at its pointer, everything else a clear permanent
// error, deep JSON refused before anything recursive reads it.
#include <catch2/catch.hpp>

#include "framework/adapters/http/count.hpp"

using namespace sluice;
using namespace sluice::adapters::http;

TEST_CASE("a count answer gives its count or says what is there instead", "[http]") {
  struct Case {
    const char* name;
    std::string body;
    std::optional<std::int64_t> count;
    std::string error;
  };
  const Case cases[] = {
      {"integer", R"({"data": {"count": 42}})", 42, ""},
      {"quoted", R"({"data": {"count": "9000000000"}})", 9000000000, ""},
      {"zero", R"({"data": {"count": 0}})", 0, ""},
      {"negative", R"({"data": {"count": -1}})", std::nullopt,
       "expected a count (a non-negative integer) at /data/count, found -1"},
      {"a fraction", R"({"data": {"count": 1.5}})", std::nullopt,
       "expected a count (a non-negative integer) at /data/count, found 1.5"},
      {"missing", R"({"data": {}})", std::nullopt,
       "expected a count (a non-negative integer) at /data/count, found nothing"},
      {"an object", R"({"data": {"count": {"n": 1}}})", std::nullopt,
       "expected a count (a non-negative integer) at /data/count, found an object"},
      {"an array", R"({"data": {"count": [[[2]]]}})", std::nullopt,
       "expected a count (a non-negative integer) at /data/count, found an array"},
      {"bad text", R"({"data": {"count": "12a\u00ff"}})", std::nullopt,
       "expected a count (a non-negative integer) at /data/count, found \"12aÿ\""},
      {"too deep",
       R"({"data": {"count": )" + std::string(600, '[') + "2" + std::string(600, ']') + "}}",
       std::nullopt, "JSON nested deeper than 512 levels at byte 529 (max_json_depth)"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    auto n = parse_count(c.body, "/data/count", 512);
    if (c.count) {
      REQUIRE(n);
      CHECK(*n == *c.count);
    } else {
      REQUIRE_FALSE(n);
      CHECK(n.error().kind == ErrorKind::permanent);
      CHECK(n.error().message == c.error);
    }
  }
  auto malformed = parse_count(R"({"data": )", "/data/count", 512);
  REQUIRE_FALSE(malformed);
  CHECK_THAT(malformed.error().message, Catch::StartsWith("malformed JSON (9 bytes): "));
}

TEST_CASE("a count answer nested 100,000 deep is refused, at any limit the config allows",
          "[http]") {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  for (std::size_t max : {std::size_t{1}, std::size_t{512}, std::size_t{10000}}) {
    auto n = parse_count(R"({"count": )" + deep + "}", "/count", max);
    REQUIRE_FALSE(n);
    CHECK(n.error().message == "JSON nested deeper than " + std::to_string(max) +
                                   " levels at byte " + std::to_string(10 + max - 1) +
                                   " (max_json_depth)");
  }
  // At the limit itself the answer is read, and what it holds described without recursion.
  const std::string at_limit =
      R"({"count": )" + std::string(9999, '[') + std::string(9999, ']') + "}";
  auto n = parse_count(at_limit, "/count", 10000);
  REQUIRE_FALSE(n);
  CHECK(n.error().message == "expected a count (a non-negative integer) at /count, found an array");
}
