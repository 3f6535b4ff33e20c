// Pagination strategies, page by page: the URL asked for and when the walk stops.
#include <catch2/catch.hpp>

#include "framework/adapters/http/pagination.hpp"

using namespace sluice;
using namespace sluice::adapters::http;
using nlohmann::json;

namespace {

struct Response {
  json body;
  std::string link;
};

// Walks `responses` and returns the URLs asked for (the first included), or the error.
std::vector<std::string> walk(const PaginationOptions& o, const std::vector<Response>& responses,
                              std::string* error = nullptr) {
  Pager pager(o, "http://api/e?from=x");
  std::vector<std::string> urls;
  for (const auto& r : responses) {
    urls.push_back(pager.url());
    const json& records = r.body.contains("items") ? r.body["items"] : r.body;
    auto ok = pager.advance(PageView{r.body, records, r.link});
    if (!ok) {
      if (error) *error = ok.error().message;
      return urls;
    }
    if (pager.done()) return urls;
  }
  urls.push_back("(not done)");
  return urls;
}

json items(int n, int from = 0) {
  json a = json::array();
  for (int i = 0; i < n; ++i)
    a.push_back({{"id", from + i}, {"sort", json::array({from + i, "k"})}});
  return a;
}

PaginationOptions opts(PaginationType type, std::string next_pointer = {}) {
  PaginationOptions o;
  o.type = type;
  o.page_size = 2;
  o.next_pointer = std::move(next_pointer);
  return o;
}

}  // namespace

TEST_CASE("each pagination strategy asks for the right pages and stops", "[http]") {
  using T = PaginationType;
  struct Case {
    const char* name;
    PaginationOptions options;
    std::vector<Response> responses;
    std::vector<std::string> urls;
  };
  const std::vector<Case> cases = {
      {"none: one request", opts(T::none), {{items(5), {}}}, {"http://api/e?from=x"}},
      {"page: until a short page",
       opts(T::page),
       {{items(2), {}}, {items(2), {}}, {items(1), {}}},
       {"http://api/e?from=x&size=2&page=1", "http://api/e?from=x&size=2&page=2",
        "http://api/e?from=x&size=2&page=3"}},
      {"page: an empty page ends it",
       opts(T::page),
       {{items(2), {}}, {items(0), {}}},
       {"http://api/e?from=x&size=2&page=1", "http://api/e?from=x&size=2&page=2"}},
      {"offset: advances by the records received",
       opts(T::offset),
       {{items(2), {}}, {items(2), {}}, {items(0), {}}},
       {"http://api/e?from=x&size=2&offset=0", "http://api/e?from=x&size=2&offset=2",
        "http://api/e?from=x&size=2&offset=4"}},
      {"next_link in the body, relative, until null",
       opts(T::next_link, "/next"),
       {{{{"items", items(2)}, {"next", "/e?after=2"}}, {}},
        {{{"items", items(2)}, {"next", nullptr}}, {}}},
       {"http://api/e?from=x&size=2", "http://api/e?after=2"}},
      {"next_link from the Link header",
       opts(T::next_link),
       {{items(2), R"(<http://api/e?p=2>; rel="next")"}, {items(2), ""}},
       {"http://api/e?from=x&size=2", "http://api/e?p=2"}},
      {"cursor: until the cursor is empty",
       opts(T::cursor, "/meta/cursor"),
       {{{{"items", items(2)}, {"meta", {{"cursor", "c1"}}}}, {}},
        {{{"items", items(2)}, {"meta", {{"cursor", 17}}}}, {}},
        {{{"items", items(2)}, {"meta", {{"cursor", ""}}}}, {}}},
       {"http://api/e?from=x&size=2", "http://api/e?from=x&size=2&cursor=c1",
        "http://api/e?from=x&size=2&cursor=17"}},
      {"cursor: a missing cursor ends it",
       opts(T::cursor, "/meta/cursor"),
       {{{{"items", items(2)}}, {}}},
       {"http://api/e?from=x&size=2"}},
      {"search_after: the last record's sort values, until a short page",
       opts(T::search_after, "/sort"),
       {{items(2), {}}, {items(2, 2), {}}, {items(1, 4), {}}},
       {"http://api/e?from=x&size=2", "http://api/e?from=x&size=2&cursor=1%2Ck",
        "http://api/e?from=x&size=2&cursor=3%2Ck"}},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    std::string error;
    CHECK(walk(c.options, c.responses, &error) == c.urls);
    CHECK(error.empty());
  }
}

TEST_CASE("responses a strategy cannot follow are clear permanent errors", "[http]") {
  using T = PaginationType;
  struct Case {
    const char* name;
    PaginationOptions options;
    std::vector<Response> responses;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"a next link that is a number",
       opts(T::next_link, "/next"),
       {{{{"items", items(2)}, {"next", 3}}, {}}},
       "the next link at /next is a number, not a URL"},
      {"a next link to itself",
       opts(T::next_link, "/next"),
       {{{{"items", items(2)}, {"next", "http://api/e?from=x&size=2"}}, {}}},
       "page 1 links to itself as the next page"},
      {"a cursor that is an object",
       opts(T::cursor, "/c"),
       {{{{"items", items(2)}, {"c", {{"a", 1}}}}, {}}},
       "the cursor at /c is an object, not a token"},
      {"a cursor that repeats",
       opts(T::cursor, "/c"),
       {{{{"items", items(2)}, {"c", "same"}}, {}}, {{{"items", items(2)}, {"c", "same"}}, {}}},
       "page 2 returned the same cursor as the page before"},
      {"a last record without sort values",
       opts(T::search_after, "/missing"),
       {{items(2), {}}},
       "the last record of page 1 has no sort values at /missing"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    std::string error;
    walk(c.options, c.responses, &error);
    CHECK(error == c.error);
  }
}

TEST_CASE("token_text renders scalars and sort value arrays", "[http]") {
  CHECK(token_text(json("abc")) == "abc");
  CHECK(token_text(json(12)) == "12");
  CHECK(token_text(json(true)) == "true");
  CHECK(token_text(json::array({1700000000, "id-7"})) == "1700000000,id-7");
  CHECK_FALSE(token_text(json::object()));
  CHECK_FALSE(token_text(json(nullptr)));
  CHECK_FALSE(token_text(json::array({json::array({1})})));
}
