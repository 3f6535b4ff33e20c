#include <catch2/catch.hpp>

#include "framework/adapters/copy_text.hpp"

using namespace sluice::adapters;

namespace {

std::vector<std::optional<std::string>> decode_one(std::string_view block) {
  copy_text::Decoder decoder;
  std::vector<Field> fields;
  auto more = decoder.next(block, fields);
  REQUIRE(more);
  REQUIRE(*more);
  std::vector<std::optional<std::string>> out;
  for (const auto& f : fields)
    out.push_back(f ? std::optional<std::string>(std::string(*f)) : std::nullopt);
  return out;
}

}  // namespace

TEST_CASE("COPY text round-trips every awkward value", "[adapters]") {
  const std::vector<std::optional<std::string>> values{
      std::nullopt,
      "",
      "plain",
      "tab\there",
      "new\nline",
      "cr\rret",
      "back\\slash",
      "\\N",
      "ünïcödé ✓",
      "quote \" and ' and ,",
      std::string("nul-free\x01\x7f"),
  };
  std::vector<Field> fields;
  for (const auto& v : values) fields.push_back(v ? Field(*v) : Field());
  std::string encoded;
  copy_text::append_row(encoded, fields);
  CHECK(copy_text::count_rows(encoded) == 1);
  CHECK(decode_one(encoded) == values);
}

TEST_CASE("COPY text decodes PostgreSQL's full escape set", "[adapters]") {
  struct Case {
    const char* name;
    const char* raw;
    std::string expected;
  };
  for (const auto& c : {Case{"octal", "a\\101b\n", "aAb"}, Case{"hex", "\\x41\\x4a\n", "AJ"},
                        Case{"control letters", "\\b\\f\\v\n", "\b\f\v"},
                        Case{"escaped other char is itself", "\\q\n", "q"},
                        Case{"x without digits", "\\xz\n", "xz"}}) {
    INFO(c.name);
    CHECK(decode_one(c.raw) == std::vector<std::optional<std::string>>{c.expected});
  }
}

TEST_CASE("the decoder keeps earlier fields valid while a wide row grows its buffers",
          "[adapters]") {
  std::string encoded;
  std::vector<std::string> values;
  for (int i = 0; i < 40; ++i) values.push_back("v\\" + std::to_string(i));  // all need unescaping
  std::vector<Field> fields(values.begin(), values.end());
  copy_text::append_row(encoded, fields);
  auto decoded = decode_one(encoded);
  REQUIRE(decoded.size() == 40);
  for (int i = 0; i < 40; ++i) CHECK(decoded[i] == values[i]);
}

TEST_CASE("the decoder stops at an incomplete row and rejects a dangling backslash", "[adapters]") {
  copy_text::Decoder decoder;
  std::vector<Field> fields;
  std::string_view partial = "a\tb";
  auto r = decoder.next(partial, fields);
  REQUIRE(r);
  CHECK_FALSE(*r);
  std::string_view bad = "abc\\\n";
  auto e = decoder.next(bad, fields);
  REQUIRE_FALSE(e);
  CHECK(e.error().kind == sluice::ErrorKind::permanent);
}
