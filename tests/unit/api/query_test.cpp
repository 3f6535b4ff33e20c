// Request targets decoded strictly (daemon/api/query.*): escapes, UTF-8, repeated and unknown
// parameters, typed values; every refusal names the parameter.
#include <catch2/catch.hpp>

#include "daemon/api/query.hpp"

using namespace sluice;
using api::Query;

TEST_CASE("percent-decoding takes good escapes and refuses bad ones", "[api][query]") {
  struct Case {
    std::string in;
    std::optional<std::string> out;  // nullopt: refused
  };
  const auto cases = GENERATE(values<Case>({
      {"plain", "plain"},
      {"a%20b", "a b"},
      {"%C3%A9t%C3%A9", "\xC3\xA9t\xC3\xA9"},
      {"a+b", "a b"},
      {"100%", std::nullopt},
      {"%2", std::nullopt},
      {"%zz", std::nullopt},
      {"%00", std::nullopt},     // an encoded NUL
      {"%FF%FE", std::nullopt},  // not UTF-8
      {"%C3", std::nullopt},     // a cut sequence
  }));
  INFO(cases.in);
  const auto r = api::percent_decode(cases.in, "q", true);
  REQUIRE(r.has_value() == cases.out.has_value());
  if (r) {
    CHECK(*r == *cases.out);
  } else {
    CHECK(r.error().status == 400);
    CHECK(r.error().field == "q");
  }
}

TEST_CASE("path segments are decoded one by one and empty ones dropped", "[api][query]") {
  CHECK(api::path_segments("/api/v1/pipelines/a%2Fb").value() ==
        std::vector<std::string>{"api", "v1", "pipelines", "a/b"});
  CHECK(api::path_segments("//api//v1/").value() == std::vector<std::string>{"api", "v1"});
  CHECK(api::path_segments("/").value().empty());
  CHECK_FALSE(api::path_segments("/api/%GG").has_value());
  // '+' is a plus in a path, a space only in a query.
  CHECK(api::path_segments("/a+b").value() == std::vector<std::string>{"a+b"});
}

TEST_CASE("a query keeps every value and refuses a parameter given twice where one is due",
          "[api][query]") {
  const auto q = Query::parse("status=FAILED,PENDING&status=SKIPPED&limit=5&&flag").value();
  CHECK(q.list("status") == std::vector<std::string>{"FAILED", "PENDING", "SKIPPED"});
  CHECK(q.integer("limit", 1, 10).value() == 5);
  CHECK(q.text("flag").value() == "");
  CHECK(q.text("absent").value() == std::nullopt);
  const auto twice = q.text("status");
  REQUIRE_FALSE(twice);
  CHECK(twice.error().field == "status");
  CHECK_THAT(twice.error().detail, Catch::Contains("more than once"));
}

TEST_CASE("unknown parameters are refused with a did-you-mean", "[api][query]") {
  const auto q = Query::parse("pipline=x").value();
  const auto r = q.only({"pipeline", "status"});
  REQUIRE_FALSE(r);
  CHECK(r.error().status == 400);
  CHECK(r.error().field == "pipline");
  CHECK_THAT(r.error().detail, Catch::Contains("did you mean 'pipeline'"));
  const auto none = Query::parse("x=1").value().only({});
  REQUIRE_FALSE(none);
  CHECK_THAT(none.error().detail, Catch::Contains("takes none"));
  CHECK(Query::parse("").value().only({}).has_value());
}

TEST_CASE("typed query values refuse what is not their type, naming the parameter",
          "[api][query]") {
  for (const char* text : {"limit=0", "limit=1001", "limit=abc", "limit=", "limit=1e3",
                           "limit=99999999999999999999", "limit=-1", "limit=%2B5"}) {
    INFO(text);
    const auto r = Query::parse(text).value().integer("limit", 1, 1000);
    REQUIRE_FALSE(r);
    CHECK(r.error().field == "limit");
  }
  CHECK(Query::parse("dry_run=true").value().boolean("dry_run").value() == true);
  CHECK(Query::parse("dry_run=false").value().boolean("dry_run").value() == false);
  CHECK_FALSE(Query::parse("dry_run=yes").value().boolean("dry_run"));
}
