// The one-pass page scanner: the rows it writes must be what RecordMapping makes of a DOM, a
// malformed page must say where it broke, and pagination's value must be kept aside.
#include <catch2/catch.hpp>

#include <functional>
#include <random>

#include "framework/adapters/copy_text.hpp"
#include "framework/adapters/http/json_cursor.hpp"
#include "framework/adapters/http/page_scan.hpp"
#include "framework/adapters/http/records.hpp"

using namespace sluice;
using namespace sluice::adapters::http;
using nlohmann::json;
using Row = std::vector<std::optional<std::string>>;

namespace {

PageScanner scanner(std::vector<std::string> columns, std::string records = "/items",
                    NextAt next_at = NextAt::nowhere, std::string next = {}) {
  auto s = PageScanner::make({std::move(records), std::move(columns), next_at, std::move(next)});
  REQUIRE(s);
  return std::move(*s);
}

// The rows of a block of COPY text, decoded back.
std::vector<Row> rows_of(std::string_view block) {
  adapters::copy_text::Decoder decoder;
  std::vector<adapters::Field> fields;
  std::vector<Row> rows;
  for (;;) {
    auto more = decoder.next(block, fields);
    REQUIRE(more);
    if (!*more) return rows;
    Row row;
    for (const auto& f : fields) row.push_back(f ? std::optional<std::string>(*f) : std::nullopt);
    rows.push_back(std::move(row));
  }
}

std::vector<Row> scan_rows(const PageScanner& s, std::string_view page) {
  std::string block;
  auto r = s.scan(page, block);
  INFO(page);
  REQUIRE(r);
  auto rows = rows_of(block);
  CHECK(static_cast<std::int64_t>(rows.size()) == r->records);
  return rows;
}

// What RecordMapping makes of the same record through a DOM.
Row dom_row(const std::vector<std::string>& pointers, const json& record) {
  config::NamedStrings columns;
  for (std::size_t i = 0; i < pointers.size(); ++i)
    columns.push_back({"c" + std::to_string(i), pointers[i]});
  auto mapping = RecordMapping::make(columns);
  REQUIRE(mapping);
  std::vector<std::string> texts;
  std::vector<adapters::Field> fields;
  REQUIRE(mapping->map(record, texts, fields));
  Row row;
  for (const auto& f : fields) row.push_back(f ? std::optional<std::string>(*f) : std::nullopt);
  return row;
}

std::string scan_error(const PageScanner& s, std::string_view page, std::int64_t first = 1) {
  std::string block = "kept\n";
  auto r = s.scan(page, block, first);
  INFO(page);
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ErrorKind::permanent);
  CHECK(block == "kept\n");  // a failed page adds no rows
  return r.error().message;
}

}  // namespace

TEST_CASE("scanned values are the text a DOM gives, null and missing are NULL", "[http]") {
  const std::vector<std::string> pointers = {"/id",   "/user/name", "/amount", "/ok",
                                             "/tags", "/meta",      "/tags/0", "/not/there",
                                             "/n",    "/big",       "/tags/x", "/tags/1"};
  const std::string record = R"({
    "id": 7, "user": {"name": "Zoë \"Q\"\tline\nnext", "x": [1, {"y": 2}]}, "amount": 12.5,
    "ok": true, "tags": ["a", "b"], "meta": {"k": [1, null]}, "n": null,
    "big": 9007199254740993})";
  const auto rows = scan_rows(scanner(pointers), R"({"items": [)" + record + "]}");
  REQUIRE(rows.size() == 1);
  CHECK(rows[0] == dom_row(pointers, json::parse(record)));
  CHECK(rows[0][1] == "Zoë \"Q\"\tline\nnext");
  CHECK(rows[0][4] == R"(["a","b"])");
  CHECK(rows[0][5] == R"({"k":[1,null]})");
  CHECK(rows[0][7] == std::nullopt);
  CHECK(rows[0][9] == "9007199254740993");
  CHECK(rows[0][10] == std::nullopt);  // a non-numeric token into an array
}

TEST_CASE("strings are decoded: every escape, surrogate pairs, raw UTF-8", "[http]") {
  const auto s = scanner({"/s"});
  const auto text = [&](std::string_view literal) {
    const auto rows = scan_rows(s, R"({"items":[{"s":)" + std::string(literal) + "}]}");
    REQUIRE(rows.size() == 1);
    return rows[0][0];
  };
  CHECK(text(R"("a\"b\\c\/d")") == "a\"b\\c/d");
  CHECK(text(R"("\b\f\n\r\t")") == "\b\f\n\r\t");
  CHECK(text(R"("\u00e9\u20AC")") == "é€");
  CHECK(text(R"("\ud83c\udf89 party")") == "🎉 party");
  CHECK(text(R"("\u0041\u005c\u0009")") == "A\\\t");
  CHECK(text("\"日本語 🎉 ok\"") == "日本語 🎉 ok");
  CHECK(text(R"("")") == "");
  // Long enough for the eight-byte steps, the special byte at every position of a step.
  for (std::size_t i = 0; i < 20; ++i) {
    const std::string plain(i, 'x');
    CHECK(text("\"" + plain + "\\n" + plain + "é\"") == plain + "\n" + plain + "é");
  }
  // In the block as COPY text writes it: backslash, tab, newline, carriage return escaped.
  std::string block;
  REQUIRE(s.scan(R"({"items":[{"s":"a\\b\tc\nd\re"}]})", block));
  CHECK(block == "a\\\\b\\tc\\nd\\re\n");
}

TEST_CASE("nested pointers, escaped tokens and keys, repeated keys", "[http]") {
  const std::vector<std::string> pointers = {"/user/id", "/a~1b", "/c~0d", "/deep/0/x/1", ""};
  const auto s = scanner(pointers);
  const std::string record =
      R"({"a/b":1,"c~d":"t","deep":[{"x":[0,"hit"]}],"user":{"id":5,"name":"n"},"z":{}})";
  auto rows = scan_rows(s, R"({"items":[)" + record + "]}");
  REQUIRE(rows.size() == 1);
  CHECK(rows[0] == dom_row(pointers, json::parse(record)));
  CHECK(rows[0][3] == "hit");
  CHECK(rows[0][4] == record);  // "": the whole record

  // A key written with escapes is the same key.
  rows = scan_rows(s, R"({"items":[{"us\u0065r":{"id":6}}]})");
  CHECK(rows[0][0] == "6");
  // A repeated key replaces the first value, as in a DOM.
  rows = scan_rows(scanner({"/id", "/user/id"}),
                   R"({"items":[{"id":1,"id":2,"user":{"id":1},"user":{}}]})");
  CHECK(rows[0] == Row{"2", std::nullopt});
  // So does a repeated records array: the last one is the page's.
  rows = scan_rows(scanner({"/id"}), R"({"items":[{"id":1},{"id":2}],"items":[{"id":3}]})");
  CHECK(rows == std::vector<Row>{{"3"}});
}

TEST_CASE("numbers and literals keep their JSON text, containers become compact", "[http]") {
  const auto s = scanner({"/v"});
  const auto text = [&](std::string_view literal) {
    const auto rows = scan_rows(s, R"({"items":[{"v":)" + std::string(literal) + "}]}");
    REQUIRE(rows.size() == 1);
    return rows[0][0];
  };
  CHECK(text("-0") == "-0");
  CHECK(text("1.5E-3") == "1.5E-3");
  CHECK(text("123456789012345678901234567890") == "123456789012345678901234567890");
  CHECK(text("false") == "false");
  CHECK(text("null") == std::nullopt);
  CHECK(text("[ 1 , { \"a b\" : \"x\\\"y\\\\\" } , [ ] ]") == R"([1,{"a b":"x\"y\\"},[]])");
  CHECK(text("{}") == "{}");
  // A backslash of a container's text is escaped in the COPY block.
  std::string block;
  REQUIRE(s.scan(R"({"items":[{"v":["a\nb"]}]})", block));
  CHECK(block == "[\"a\\\\nb\"]\n");
}

TEST_CASE("pretty-printed and compact pages give the same rows", "[http]") {
  const std::vector<std::string> pointers = {"/id", "/user/id", "/tags", "/note"};
  json items = json::array();
  for (int i = 0; i < 50; ++i)
    items.push_back({{"id", i},
                     {"user", {{"id", i * 7}, {"n", "x"}}},
                     {"tags", {i, "t", nullptr}},
                     {"note", std::string(static_cast<std::size_t>(i), 'n') + "\t"}});
  const json page = {{"items", items}, {"next", 2}};
  const auto s = scanner(pointers);
  const auto compact = scan_rows(s, page.dump());
  CHECK(scan_rows(s, page.dump(2)) == compact);
  CHECK(scan_rows(s, "\xEF\xBB\xBF" + page.dump()) == compact);  // a byte order mark
  REQUIRE(compact.size() == 50);
  for (std::size_t i = 0; i < compact.size(); ++i) CHECK(compact[i] == dom_row(pointers, items[i]));
}

TEST_CASE("a malformed page says at which byte it broke", "[http]") {
  const auto s = scanner({"/id"});
  struct Case {
    std::string page;
    std::size_t byte;
    const char* what;
  };
  const Case cases[] = {
      {"", 0, "unexpected end of input, expected a value"},
      {R"({"items":[{"id":1},])", 19, "expected a value"},
      {R"({"items":[{"id":1}})", 18, "expected ',' or ']' after an array element"},
      {R"({"items":[{"id" 1}]})", 16, "expected ':' after an object key"},
      {R"({"items":[{id:1}]})", 11, "expected a string as an object key"},
      {R"({"items":[{"id":tru}]})", 16, "invalid literal"},
      {R"({"items":[{"id":01}]})", 17, "expected ',' or '}' after an object member"},
      {R"({"items":[{"id":-}]})", 17, "expected a digit"},
      {R"({"items":[{"id":1.}]})", 18, "expected a digit after '.'"},
      {R"({"items":[{"id":1e+}]})", 19, "expected a digit in the exponent"},
      {"{\"items\":[{\"id\":\"a\tb\"}]}", 18, "control character in a string"},
      {R"({"items":[{"id":"a\qb"}]})", 18, "invalid escape"},
      {R"({"items":[{"id":"\u12G4"}]})", 17, "invalid \\u escape"},
      {R"({"items":[{"id":"\ud800x"}]})", 17, "high surrogate not followed by a low one"},
      {R"({"items":[{"id":"\udc00"}]})", 17, "low surrogate without a high one"},
      {"{\"items\":[{\"id\":\"a\xC3(\"}]}", 18, "invalid UTF-8"},
      {"{\"items\":[{\"id\":\"\xED\xA0\x80\"}]}", 17, "invalid UTF-8"},  // a surrogate
      {"{\"items\":[{\"id\":\"\xC0\xAF\"}]}", 17, "invalid UTF-8"},      // overlong
      {R"({"items":[{"id":"open)", 21, "unterminated string"},
      {R"({"items":[]} x)", 13, "unexpected text after the JSON value"},
      {R"({"skipped":{"a":[1,2}],"items":[]})", 20, "expected ',' or ']'"},
      {R"({"skipped":"\x"})", 12, "invalid escape"},
      {R"({"items":[], "n": [[[[)", 22, "unexpected end of input"},
  };
  for (const auto& c : cases) {
    const std::string message = scan_error(s, c.page);
    INFO(message);
    CHECK_THAT(message, Catch::StartsWith(fmt::format(
                            "malformed JSON ({} bytes) at byte {}: ", c.page.size(), c.byte)));
    CHECK_THAT(message, Catch::Contains(c.what));
    // What nlohmann says of the same text: it is malformed too.
    CHECK_FALSE(json::accept(c.page));
  }
  CHECK_THAT(scan_error(s, R"({"items":[{"name":"abcdefghijklmnop"},])"),
             Catch::EndsWith(R"(near 'me":"abcdefghijklmnop"},]')"));
  CHECK_THAT(scan_error(s, R"({"items":[)"), Catch::EndsWith("(where the text ends)"));
  // Nesting deeper than any stack would allow is refused at max_depth (512 by default), or,
  // with no limit, skipped or refused without recursion.
  const std::string deep = R"({"items":[],"x":)" + std::string(1'000'000, '[');
  CHECK(scan_error(s, deep) == "JSON nested deeper than 512 levels at byte 527 (max_json_depth)");
  auto unlimited = PageScanner::make({"/items", {"/id"}, NextAt::nowhere, {}, SIZE_MAX});
  REQUIRE(unlimited);
  CHECK_THAT(scan_error(*unlimited, deep), Catch::Contains("unexpected end of input"));
  std::string block;
  CHECK(unlimited->scan(
      R"({"items":[],"x":)" + std::string(100'000, '[') + std::string(100'000, ']') + "}", block));
}

TEST_CASE("the records array must be there, each record must be an object", "[http]") {
  const std::string body = R"({"data": {"items": [{"id": 1}], "n": 3}, "list": null})";
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
      {"through a number", "/data/n/x", "the response has nothing at /data/n/x"},
      {"the whole body", "", "the response's body is an object, not an array of records"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const auto s = scanner({"/id"}, c.pointer);
    // The scanner and the DOM agree.
    const auto dom = records_at(json::parse(body), c.pointer);
    if (c.error.empty()) {
      CHECK(scan_rows(s, body) == std::vector<Row>{{"1"}});
      CHECK(dom);
    } else {
      CHECK(scan_error(s, body) == c.error);
      REQUIRE_FALSE(dom);
      CHECK(dom.error().message == c.error);
    }
  }
  CHECK(scan_rows(scanner({"/id"}, ""), R"([{"id":1},{"id":2}])").size() == 2);
  CHECK(scan_rows(scanner({"/id"}, "/0/r"), R"([{"r":[{"id":1}]}])").size() == 1);

  // Records numbered across the window: this page starts at record 11.
  const auto s = scanner({"/id"});
  CHECK(scan_error(s, R"({"items":[{"id":1},[1],"x"]})", 11) ==
        "record 12: a record is an array, not an object");
  CHECK(scan_error(s, R"({"items":[null]})") == "record 1: a record is null, not an object");
  // A malformed page is reported as such even after a bad record.
  CHECK_THAT(scan_error(s, R"({"items":[1,{]})"), Catch::StartsWith("malformed JSON"));
  // Counting records maps nothing and takes any record.
  std::string block;
  auto counted = scanner({}).scan(R"({"items":[1,{"a":2},[3],"4",null]})", block);
  REQUIRE(counted);
  CHECK(counted->records == 5);
  CHECK(block.empty());
}

TEST_CASE("pagination's value is kept aside as JSON text", "[http]") {
  std::string block;
  const auto next_of = [&](const PageScanner& s, std::string_view page) {
    block.clear();
    auto r = s.scan(page, block);
    REQUIRE(r);
    return r->next;
  };
  const auto cursor = scanner({"/id"}, "/items", NextAt::body, "/meta/next");
  CHECK(next_of(cursor, R"({"items":[{"id":1}],"meta":{"next":"c\"2"}})") == R"("c\"2")");
  CHECK(next_of(cursor, R"({"meta":{"next":null},"items":[]})") == "null");
  CHECK(next_of(cursor, R"({"meta":{},"items":[]})") == std::nullopt);
  CHECK(next_of(cursor, R"({"meta":{"next":{"a": [1, 2]}},"items":[]})") == R"({"a":[1,2]})");
  CHECK(next_of(cursor, R"({"meta":{"next":1},"meta":{},"items":[]})") == std::nullopt);
  CHECK(rows_of(block).empty());
  CHECK_FALSE(cursor.next_needs_dom());

  const auto sorted = scanner({"/id"}, "/items", NextAt::last_record, "/sort");
  CHECK(next_of(sorted, R"({"items":[{"id":1,"sort":[1,"a"]},{"id":2,"sort":[2, "b"]}]})") ==
        R"([2,"b"])");
  CHECK(rows_of(block) == std::vector<Row>{{"1"}, {"2"}});
  CHECK(next_of(sorted, R"({"items":[{"id":1,"sort":[1]},{"id":2}]})") == std::nullopt);
  CHECK(next_of(sorted, R"({"items":[]})") == std::nullopt);
  // Counting reads the last record's sort values too.
  CHECK(next_of(scanner({}, "/items", NextAt::last_record, "/s"),
                R"({"items":[{"s":1},{"s":2}]})") == "2");

  // A next pointer inside or around the records: the caller reads it from a DOM.
  CHECK(scanner({"/id"}, "/data/items", NextAt::body, "/data").next_needs_dom());
  CHECK(scanner({"/id"}, "", NextAt::body, "/0/next").next_needs_dom());
  CHECK_FALSE(scanner({"/id"}, "/data/items", NextAt::body, "/data/next").next_needs_dom());
  CHECK(next_of(scanner({"/id"}, "/data/items", NextAt::body, "/data/next"),
                R"({"data":{"next":"n","items":[{"id":1}]}})") == R"("n")");
}

TEST_CASE("invalid pointers are refused when the scanner is made", "[http]") {
  CHECK_FALSE(PageScanner::make({"items", {"/id"}, NextAt::nowhere, {}}));
  auto bad = PageScanner::make({"/items", {"/id", "/x~2"}, NextAt::nowhere, {}});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message == "column 2: invalid JSON pointer '/x~2'");
  CHECK_FALSE(PageScanner::make({"/items", {"/id"}, NextAt::body, "next"}));
}

TEST_CASE("random records: the scanner's rows are the DOM's", "[http]") {
  std::mt19937 random(20240101);
  const auto pick = [&](int n) { return static_cast<int>(random() % static_cast<unsigned>(n)); };
  const char32_t alphabet[] = {U'a', U'"', U'\\', U'\t', U'\n',   U'\r', U'/', U'\x01',
                               U'é', U'€', U'🎉',  U' ',  U'\x7f', U'~',  U'{'};
  const auto text = [&] {
    std::u32string s;
    for (int i = pick(30); i > 0; --i) s += alphabet[pick(std::size(alphabet))];
    std::string out;
    for (char32_t c : s) json_text::append_utf8(out, c);
    return out;
  };
  std::function<json(int)> value = [&](int depth) -> json {
    switch (pick(depth > 2 ? 6 : 8)) {
      case 0: return nullptr;
      case 1: return pick(2) == 0;
      case 2: return static_cast<std::int64_t>(random()) - (1ll << 31);
      case 3: return static_cast<double>(random()) / 7.0;
      case 4:
      case 5: return text();
      case 6: {
        json a = json::array();
        for (int i = pick(4); i > 0; --i) a.push_back(value(depth + 1));
        return a;
      }
      default: {
        json o = json::object();
        for (int i = pick(4); i > 0; --i) o["k" + std::to_string(pick(5))] = value(depth + 1);
        return o;
      }
    }
  };
  const std::vector<std::string> pointers = {"/k0", "/k1", "/k2/k0", "/k3/0", "/k4/k1/k2", "/k2"};
  json items = json::array();
  for (int i = 0; i < 300; ++i) {
    json record = json::object();
    for (int k = 0; k < 5; ++k)
      if (pick(5)) record["k" + std::to_string(k)] = value(0);
    items.push_back(record);
  }
  const auto rows = scan_rows(scanner(pointers), json{{"items", items}}.dump());
  REQUIRE(rows.size() == items.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    INFO(items[i].dump());
    CHECK(rows[i] == dom_row(pointers, items[i]));
  }
}

TEST_CASE("nesting deeper than max_depth is refused wherever it is, before any recursion",
          "[http]") {
  const auto nested = [](std::size_t depth, std::string_view inner = "1") {
    return std::string(depth, '[') + std::string(inner) + std::string(depth, ']');
  };
  const auto make = [](std::size_t max_depth, NextAt next_at = NextAt::nowhere,
                       std::string next = {}) {
    auto s = PageScanner::make({"/items", {"/a", "/b/c"}, next_at, std::move(next), max_depth});
    REQUIRE(s);
    return std::move(*s);
  };
  struct Case {
    const char* name;
    std::function<std::string(std::size_t)> page;  // a page whose deepest point is at `depth`
    NextAt next_at = NextAt::nowhere;
    std::string next;
  };
  // Levels: the page object 1, the items array 2, a record 3, its member's value 4 and on.
  const Case cases[] = {
      {"a mapped column",
       [&](std::size_t d) { return R"({"items": [{"a": )" + nested(d - 3) + "}]}"; },
       NextAt::nowhere,
       {}},
      {"a mapped nested column",
       [&](std::size_t d) { return R"({"items": [{"b": {"c": )" + nested(d - 4) + "}}]}"; },
       NextAt::nowhere,
       {}},
      {"an unmapped member",
       [&](std::size_t d) { return R"({"items": [{"z": )" + nested(d - 3) + "}]}"; },
       NextAt::nowhere,
       {}},
      {"beside the records",
       [&](std::size_t d) { return R"({"meta": )" + nested(d - 1) + R"(, "items": []})"; },
       NextAt::nowhere,
       {}},
      {"the next value",
       [&](std::size_t d) { return R"({"items": [], "next": )" + nested(d - 1) + "}"; },
       NextAt::body, "/next"},
      {"the last record's sort values",
       [&](std::size_t d) { return R"({"items": [{"s": )" + nested(d - 3) + "}]}"; },
       NextAt::last_record, "/s"},
  };
  for (std::size_t max : {std::size_t{8}, std::size_t{512}}) {
    for (const auto& c : cases) {
      INFO(c.name << ", max_depth " << max);
      const auto s = make(max, c.next_at, c.next);
      std::string block;
      CHECK(s.scan(c.page(max), block));
      const std::string deeper = c.page(max + 1);
      auto r = s.scan(deeper, block);
      REQUIRE_FALSE(r);
      CHECK(r.error().kind == ErrorKind::permanent);
      CHECK(r.error().message ==
            "JSON nested deeper than " + std::to_string(max) + " levels at byte " +
                std::to_string(deeper.rfind('[', deeper.find('1'))) + " (max_json_depth)");
    }
  }
  // A page 100,000 levels deep costs no stack: refused at the first level too many.
  const auto s = make(512);
  std::string block;
  for (const auto& page : {nested(100000, "{}"), R"({"items": [{"a": )" + nested(100000) + "}]}"}) {
    auto r = s.scan(page, block);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::StartsWith("JSON nested deeper than 512 levels at byte "));
  }
}
