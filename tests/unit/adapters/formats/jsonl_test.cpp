#include <catch2/catch.hpp>

#include "framework/adapters/formats/jsonl.hpp"
#include "tests/unit/adapters/formats/byte_strings.hpp"

using namespace sluice;
using namespace sluice::adapters;
using namespace sluice::adapters::formats;

namespace {

std::string decode(const std::string& text, std::vector<Column> declared = {}) {
  test::StringSource in(text, 5);
  JsonlDecoder decoder(std::move(declared), in, "in.jsonl");
  return test::decode_all(decoder);
}

}  // namespace

TEST_CASE("JSON Lines decoding", "[adapters][formats][jsonl]") {
  struct Case {
    const char* name;
    std::string text;
    std::string rows;
  };
  const std::vector<Case> cases{
      {"strings and null", "{\"a\":\"x\",\"b\":null}\n{\"a\":\"y\",\"b\":\"\"}\n",
       "x|<NULL>\ny|\n"},
      {"numbers, booleans, nested as JSON text",
       "{\"a\":1.5,\"b\":true}\n{\"a\":[1,2],\"b\":{\"k\":\"v\"}}\n",
       "1.5|true\n[1,2]|{\"k\":\"v\"}\n"},
      {"missing key is NULL, keys in any order", "{\"a\":\"1\",\"b\":\"2\"}\n{\"b\":\"3\"}\n",
       "1|2\n<NULL>|3\n"},
      {"escapes and unicode", "{\"a\":\"q\\\"\\n\\t\\u00fc\",\"b\":\"😀\"}\n", "q\"\n\tü|😀\n"},
      {"CRLF and blank lines", "{\"a\":\"1\",\"b\":\"2\"}\r\n\r\n  \n{\"a\":\"3\",\"b\":\"4\"}",
       "1|2\n3|4\n"},
      {"empty file", "", ""},
      {"not JSON", "{\"a\":\"1\",\"b\":\"2\"}\n{\"a\": oops}\n", "1|2\nERROR in.jsonl:2: column "},
      {"not an object", "[1,2]\n", "ERROR in.jsonl:1: expected an object, found array"},
      {"unknown key", "{\"a\":\"1\",\"b\":\"2\"}\n{\"c\":\"3\"}\n",
       "1|2\nERROR in.jsonl:2: key \"c\" is not a column"},
  };
  for (const auto& c : cases) {
    SECTION(c.name) {
      const std::string got = decode(c.text);
      CHECK(got.substr(0, c.rows.size()) == c.rows);
      CHECK(got.size() >= c.rows.size());
    }
  }
}

TEST_CASE("JSON Lines: declared columns fix the order; columns() reads ahead",
          "[adapters][formats][jsonl]") {
  CHECK(decode("{\"a\":\"1\",\"b\":\"2\"}\n", {{"b"}, {"a"}}) == "2|1\n");
  test::StringSource in("{\"x\":\"1\",\"y\":null}\n{\"x\":\"2\"}\n");
  JsonlDecoder decoder({}, in, "f.jsonl");
  auto columns = decoder.columns();
  REQUIRE(columns);
  CHECK(*columns == std::vector<Column>{{"x"}, {"y"}});
  CHECK(test::decode_all(decoder) == "1|<NULL>\n2|<NULL>\n");
}

TEST_CASE("JSON Lines encoding round-trips", "[adapters][formats][jsonl]") {
  const std::vector<Column> columns{{"id"}, {"note \"q\""}};
  const std::vector<std::vector<Field>> rows{
      {Field{"1"}, Field{}},
      {Field{"2"}, Field{""}},
      {Field{"3"}, Field{"q\" \\ \n\r\t \x01 ünï 😀"}},
  };
  JsonlEncoder encoder;
  std::string text;
  encoder.begin(text, columns);
  for (const auto& r : rows) encoder.row(text, r);
  CHECK(text.find("{\"id\":\"1\",\"note \\\"q\\\"\":null}\n") == 0);
  test::StringSource in(text);
  JsonlDecoder decoder(columns, in, "rt.jsonl");
  CHECK(test::decode_all(decoder) == "1|<NULL>\n2|\n3|q\" \\ \n\r\t \x01 ünï 😀\n");
}
