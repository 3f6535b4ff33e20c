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
      {"a number beyond a double", "{\"a\":\"1\",\"b\":\"2\"}\n{\"a\":1e999}\n",
       "1|2\nERROR in.jsonl:2: a value out of range: "},
  };
  for (const auto& c : cases) {
    SECTION(c.name) {
      const std::string got = decode(c.text);
      CHECK(got.substr(0, c.rows.size()) == c.rows);
      CHECK(got.size() >= c.rows.size());
    }
  }
}

TEST_CASE("JSON Lines: declared columns fix the order, columns() reads ahead",
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

TEST_CASE("JSON Lines: a value nested deeper than max_json_depth is an error naming file:line",
          "[adapters][formats][jsonl]") {
  const auto nested = [](std::size_t depth) {
    return std::string(depth, '[') + "1" + std::string(depth, ']');
  };
  const auto decode_max = [](const std::string& text, std::size_t max) {
    test::StringSource in(text, 1 << 16);
    JsonlDecoder decoder({}, in, "deep.jsonl", max);
    return test::decode_all(decoder);
  };
  // The line's object is level 1: a value of n arrays reaches n + 1.
  for (std::size_t max : {std::size_t{2}, std::size_t{64}, std::size_t{512}}) {
    INFO("max " << max);
    const std::string ok = R"({"a": )" + nested(max - 1) + "}\n";
    CHECK(decode_max("{\"a\": 0}\n" + ok, max) == "0\n" + nested(max - 1) + "\n");
    const std::string bad = R"({"a": )" + nested(max) + "}\n";
    // The column is the 1-based byte of the bracket one level too deep.
    CHECK(decode_max("{\"a\": 0}\n" + bad, max) ==
          "0\nERROR deep.jsonl:2: column " + std::to_string(6 + max) +
              ": JSON nested deeper than " + std::to_string(max) + " levels at byte " +
              std::to_string(5 + max) + " (max_json_depth)");
  }
  // 100,000 levels, in a value or as the line itself: an error, not a stack overflow.
  CHECK_THAT(decode_max(R"({"a": )" + nested(100000) + "}\n", 512),
             Catch::StartsWith("ERROR deep.jsonl:1: column 518: JSON nested deeper than 512"));
  CHECK_THAT(decode_max(nested(100000) + "\n", 512),
             Catch::StartsWith("ERROR deep.jsonl:1: column 513: JSON nested deeper than 512"));
  // Brackets inside strings are text, escaped quotes included.
  const std::string brackets(5000, '[');
  CHECK(decode_max(R"({"a": "\")" + brackets +
                       R"("})"
                       "\n",
                   2) == "\"" + brackets + "\n");
  // The largest limit the config accepts is safe for what reads the value (dump recurses).
  CHECK(decode_max(R"({"a": )" + nested(kMaxJsonDepthLimit - 1) + "}\n", kMaxJsonDepthLimit) ==
        nested(kMaxJsonDepthLimit - 1) + "\n");
  // Through the codec options, as the file source and the stage make their decoders.
  CodecOptions options;
  options.format = Format::jsonl;
  options.max_json_depth = 3;
  test::StringSource in(R"({"a": [[1]]})"
                        "\n"
                        R"({"a": [[[1]]]})"
                        "\n");
  auto decoder = make_decoder(options, in, "opts.jsonl");
  CHECK_THAT(test::decode_all(*decoder),
             Catch::StartsWith("[[1]]\nERROR opts.jsonl:2: column 9: JSON nested deeper than 3"));
}
