#include <catch2/catch.hpp>

#include "framework/adapters/formats/csv.hpp"
#include "tests/unit/adapters/formats/byte_strings.hpp"

using namespace sluice;
using namespace sluice::adapters;
using namespace sluice::adapters::formats;

namespace {

std::string decode(const std::string& text, CsvOptions options = {}, std::size_t chunk = 3) {
  test::StringSource in(text, chunk);
  CsvDecoder decoder(options, {}, in, "in.csv");
  return test::decode_all(decoder);
}

CsvOptions options(char delimiter, bool header, std::string null_text) {
  CsvOptions o;
  o.delimiter = delimiter;
  o.header = header;
  o.null_text = std::move(null_text);
  return o;
}

}  // namespace

TEST_CASE("CSV decoding: RFC 4180 cases", "[adapters][formats][csv]") {
  struct Case {
    const char* name;
    std::string text;
    std::string rows;
  };
  const std::vector<Case> cases{
      {"plain, LF", "a,b\n1,x\n2,y\n", "1|x\n2|y\n"},
      {"CRLF", "a,b\r\n1,x\r\n2,y\r\n", "1|x\n2|y\n"},
      {"no final line break", "a,b\n1,x", "1|x\n"},
      {"quoted delimiter", "a,b\n1,\"x,y\"\n", "1|x,y\n"},
      {"doubled quote", "a,b\n1,\"say \"\"hi\"\"\"\n", "1|say \"hi\"\n"},
      {"newline inside quotes", "a,b\n1,\"two\nlines\"\n2,z\n", "1|two\nlines\n2|z\n"},
      {"CRLF inside quotes", "a,b\r\n1,\"x\r\ny\"\r\n", "1|x\r\ny\n"},
      {"empty unquoted is NULL, quoted empty is empty", "a,b\n,\"\"\n", "<NULL>|\n"},
      {"bare CR in unquoted field is data", "a,b\n1,x\ry\n", "1|x\ry\n"},
      {"unicode", "a,b\n1,\"ünï 😀\"\n2,日本\n", "1|ünï 😀\n2|日本\n"},
      {"header only", "a,b\n", ""},
      {"empty file", "", ""},
      {"trailing empty field", "a,b\n1,\n", "1|<NULL>\n"},
  };
  for (const auto& c : cases) {
    SECTION(c.name) {
      for (std::size_t chunk : {1, 3, 1000}) CHECK(decode(c.text, {}, chunk) == c.rows);
    }
  }
}

TEST_CASE("CSV decoding: malformed input names file:line and field", "[adapters][formats][csv]") {
  struct Case {
    const char* name;
    std::string text;
    std::string rows;
  };
  const std::vector<Case> cases{
      {"quote inside unquoted", "a,b\n1,x\"y\n",
       "ERROR in.csv:2: field 2: a quote inside an unquoted field"},
      {"text after closing quote", "a,b\n1,\"x\"y\n",
       "ERROR in.csv:2: field 2: text after a closing quote"},
      {"unclosed quote at end", "a,b\n1,x\n2,\"open\nmore\n",
       "1|x\nERROR in.csv:3: field 2: the file ends inside a quoted field"},
      {"too few fields", "a,b\n1,x\n2\n", "1|x\nERROR in.csv:3: 1 fields, expected 2"},
      {"too many fields, line after a multi-line value", "a,b\n1,\"x\ny\"\n2,z,w\n",
       "1|x\ny\nERROR in.csv:4: 3 fields, expected 2"},
  };
  for (const auto& c : cases) {
    SECTION(c.name) {
      const std::string got = decode(c.text);
      CHECK(got.substr(0, c.rows.size()) == c.rows);
    }
  }
}

TEST_CASE("CSV decoding goes on after a malformed line", "[adapters][formats][csv]") {
  test::StringSource in("a,b\n1,x\"y\n2,ok\n3\n4,fine\n");
  CsvDecoder decoder({}, {}, in, "f.csv");
  std::vector<Field> fields;
  std::vector<std::string> seen;
  for (;;) {
    auto r = decoder.next(fields);
    if (r && !*r) break;
    seen.push_back(r ? std::string(*fields[0]) : r.error().message.substr(0, 7));
  }
  CHECK(seen == std::vector<std::string>{"f.csv:2", "2", "f.csv:4", "4"});
}

TEST_CASE("CSV options: delimiter, NULL text, no header", "[adapters][formats][csv]") {
  CHECK(decode("a;b\n1;\"x;y\"\n", options(';', true, "")) == "1|x;y\n");
  CHECK(decode("a,b\n\\N,\n", options(',', true, "\\N")) == "<NULL>|\n");
  CHECK(decode("1,x\n", options(',', false, "")) == "1|x\n");
}

TEST_CASE("CSV encoding round-trips every awkward value", "[adapters][formats][csv]") {
  const std::vector<std::vector<Field>> rows{
      {Field{"1"}, Field{"plain"}},
      {Field{"2"}, Field{}},
      {Field{"3"}, Field{""}},
      {Field{"4"}, Field{"comma, \"quote\"\nnewline\r\nCRLF"}},
      {Field{"5"}, Field{"ünï 😀 \t tab"}},
  };
  for (const std::string null_text : {"", "\\N"}) {
    const CsvOptions options = ::options(',', true, null_text);
    CsvEncoder encoder(options);
    std::string text;
    const std::vector<Column> columns{{"id"}, {"note, with comma"}};
    encoder.begin(text, columns);
    for (const auto& r : rows) encoder.row(text, r);
    test::StringSource in(text);
    CsvDecoder decoder(options, columns, in, "rt.csv");
    CHECK(test::decode_all(decoder) ==
          "1|plain\n2|<NULL>\n3|\n4|comma, \"quote\"\nnewline\r\nCRLF\n5|ünï 😀 \t tab\n");
  }
}
