// JSON bodies (daemon/api/body.*): the content type, malformed text, the top-level type,
// unknown members and wrong member types are each refused with the member's name.
#include <catch2/catch.hpp>

#include "daemon/api/body.hpp"

using namespace sluice;
using api::Body;

namespace {

api::Request json_request(std::string body, std::string type = "application/json") {
  return {
      .method = "POST", .target = "/x", .content_type = std::move(type), .body = std::move(body)};
}

}  // namespace

TEST_CASE("a body is refused for its media type, its syntax or its shape", "[api][body]") {
  struct Case {
    std::string name, type, body;
    int status;
    std::string field;
  };
  const auto c = GENERATE(values<Case>({
      {"no content type", "", "{}", 415, "Content-Type"},
      {"form data", "application/x-www-form-urlencoded", "a=1", 415, "Content-Type"},
      {"malformed JSON", "application/json", "{\"from\": ", 400, "body"},
      {"trailing garbage", "application/json", "{} x", 400, "body"},
      {"an array", "application/json", "[1]", 400, "body"},
      {"a string", "application/json", "\"x\"", 400, "body"},
      {"an unknown member", "application/json", "{\"form\": \"2024-01-01\"}", 400, "form"},
      {"empty where a body is due", "application/json", "", 400, "body"},
      {"nested 17 deep", "application/json",
       "{\"from\": " + std::string(16, '[') + std::string(16, ']') + "}", 400, "body"},
      {"nested 500,000 deep", "application/json", std::string(500000, '['), 400, "body"},
  }));
  INFO(c.name);
  const auto r = Body::parse(json_request(c.body, c.type), {"from", "to"});
  REQUIRE_FALSE(r);
  CHECK(r.error().status == c.status);
  CHECK(r.error().field == c.field);
}

TEST_CASE("a body nested to the limit parses, and one level more is refused with its place",
          "[api][body]") {
  const auto nested = [](int depth) {
    return "{\"from\": " + std::string(depth - 1, '[') + std::string(depth - 1, ']') + "}";
  };
  CHECK(Body::parse(json_request(nested(16)), {"from"}).has_value());
  const auto deeper = Body::parse(json_request(nested(17)), {"from"});
  REQUIRE_FALSE(deeper);
  CHECK(deeper.error().detail == "JSON nested deeper than 16 levels at byte 24");
}

TEST_CASE("the media type is matched without case and parameters", "[api][body]") {
  CHECK(Body::parse(json_request("{}", "Application/JSON; charset=utf-8"), {}).has_value());
  CHECK(Body::parse(json_request("", ""), {}, true).has_value());  // an empty body may be {}
}

TEST_CASE("an unknown member is named with a did-you-mean", "[api][body]") {
  const auto r = Body::parse(json_request(R"({"reprocesss": true})"), {"reprocess", "dry_run"});
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().detail, Catch::Contains("did you mean 'reprocess'"));
}

TEST_CASE("typed members refuse other types, naming the member", "[api][body]") {
  const auto b =
      Body::parse(json_request(R"({"s": 1, "b": "true", "n": 1.5, "big": 18446744073709551615,
      "neg": -3, "list": ["a", 2], "ids": [1, "2"], "one": "x", "ok": [3, 4]})"),
                  {"s", "b", "n", "big", "neg", "list", "ids", "one", "ok"})
          .value();
  const auto field_of = [](const auto& r) { return r ? std::string() : r.error().field; };
  CHECK(field_of(b.text("s")) == "s");
  CHECK(field_of(b.boolean("b")) == "b");
  CHECK(field_of(b.integer("n", 0, 10)) == "n");
  CHECK(field_of(b.integer("big", 0, 1000)) == "big");
  CHECK(field_of(b.integer("neg", 0, 10)) == "neg");
  CHECK(field_of(b.texts("list")) == "list");
  CHECK(field_of(b.integers("ids", 1, 100)) == "ids");
  CHECK(b.texts("one").value() == std::vector<std::string>{"x"});
  CHECK(b.integers("ok", 1, 100).value() == std::vector<std::int64_t>{3, 4});
  CHECK(b.text("absent").value() == std::nullopt);
}
