// From JSON records to text fields: the records array, the column mapping and value texts.
#include <catch2/catch.hpp>

#include "framework/adapters/http/records.hpp"

using namespace sluice;
using namespace sluice::adapters::http;
using nlohmann::json;

TEST_CASE("values become the text a COPY reads, null and missing become NULL", "[http]") {
  auto mapping = RecordMapping::make({{"id", "/id"},
                                      {"name", "/user/name"},
                                      {"amount", "/amount"},
                                      {"ok", "/ok"},
                                      {"tags", "/tags"},
                                      {"meta", "/meta"},
                                      {"first_tag", "/tags/0"},
                                      {"gone", "/not/there"},
                                      {"null", "/n"},
                                      {"big", "/big"},
                                      {"bad_index", "/tags/x"}});
  REQUIRE(mapping);
  CHECK(mapping->columns().size() == 11);
  CHECK(mapping->columns()[1].name == "name");
  const json record = json::parse(R"({
    "id": 7, "user": {"name": "Zoë \"Q\"\tline\nnext"}, "amount": 12.5, "ok": true,
    "tags": ["a", "b"], "meta": {"k": [1, null]}, "n": null, "big": 9007199254740993
  })");
  std::vector<std::string> texts;
  std::vector<adapters::Field> fields;
  REQUIRE(mapping->map(record, texts, fields));
  struct Case {
    const char* name;
    adapters::Field expected;
  };
  const Case cases[] = {
      {"integer", "7"},
      {"nested string as is", "Zoë \"Q\"\tline\nnext"},
      {"decimal", "12.5"},
      {"boolean", "true"},
      {"array as JSON", R"(["a","b"])"},
      {"object as JSON", R"({"k":[1,null]})"},
      {"array element", "a"},
      {"missing", std::nullopt},
      {"null", std::nullopt},
      {"integer beyond double precision", "9007199254740993"},
      {"non-numeric index into an array", std::nullopt},
  };
  for (std::size_t i = 0; i < std::size(cases); ++i) {
    INFO(cases[i].name);
    CHECK(fields[i] == cases[i].expected);
  }
}

TEST_CASE("bad mappings and records are permanent errors naming what is wrong", "[http]") {
  auto bad = RecordMapping::make({{"a", "no-slash"}, {"b", "/ok"}, {"c", "/x~2"}});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().kind == ErrorKind::permanent);
  CHECK_THAT(bad.error().message, Catch::Contains("column a: invalid JSON pointer 'no-slash'"));
  CHECK_THAT(bad.error().message, Catch::Contains("column c: invalid JSON pointer '/x~2'"));
  CHECK_FALSE(RecordMapping::make({}));

  auto mapping = RecordMapping::make({{"id", "/id"}});
  std::vector<std::string> texts;
  std::vector<adapters::Field> fields;
  auto r = mapping->map(json::array({1}), texts, fields);
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "a record is an array, not an object");
}

TEST_CASE("the records array is found at its pointer or the error says what is there", "[http]") {
  const json body = json::parse(R"({"data": {"items": [{"id": 1}], "n": 3}, "list": null})");
  struct Case {
    const char* name;
    std::string pointer;
    std::string error;  // empty: found
  };
  const Case cases[] = {
      {"nested array", "/data/items", ""},
      {"an object", "/data", "the response's /data is an object, not an array of records"},
      {"a number", "/data/n", "the response's /data/n is a number, not an array of records"},
      {"null", "/list", "the response's /list is null, not an array of records"},
      {"nothing there", "/items", "the response has nothing at /items"},
      {"the whole body", "", "the response's body is an object, not an array of records"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    auto r = records_at(body, c.pointer);
    if (c.error.empty()) {
      REQUIRE(r);
      CHECK((*r)->size() == 1);
    } else {
      REQUIRE_FALSE(r);
      CHECK(r.error().message == c.error);
    }
  }
  const json array = json::parse("[1,2]");
  auto whole = records_at(array, "");
  REQUIRE(whole);
  CHECK((*whole)->size() == 2);
}
