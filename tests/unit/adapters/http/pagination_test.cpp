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
      {"a next link to another host",
       opts(T::next_link, "/next"),
       {{{{"items", items(2)}, {"next", "http://evil.example/e?page=2"}}, {}}},
       "page 1's next link leads to http://evil.example, another origin than http://api: not "
       "followed (list it in pagination.allowed_origins to follow it)"},
      {"a next link to another port",
       opts(T::next_link, "/next"),
       {{{{"items", items(2)}, {"next", "http://api:8080/e?page=2"}}, {}}},
       "page 1's next link leads to http://api:8080, another origin than http://api: not "
       "followed (list it in pagination.allowed_origins to follow it)"},
      {"a next link to https of the same host",
       opts(T::next_link, "/next"),
       {{{{"items", items(2)}, {"next", "https://api/e?page=2"}}, {}}},
       "page 1's next link leads to https://api, another origin than http://api: not "
       "followed (list it in pagination.allowed_origins to follow it)"},
      {"a scheme-relative next link",
       opts(T::next_link, "/next"),
       {{{{"items", items(2)}, {"next", "//evil.example/e"}}, {}}},
       "page 1's next link leads to http://evil.example, another origin than http://api: not "
       "followed (list it in pagination.allowed_origins to follow it)"},
      {"user information that hides the host",
       opts(T::next_link, "/next"),
       {{{{"items", items(2)}, {"next", "http://api@evil.example/e"}}, {}}},
       "page 1's next link leads to http://evil.example, another origin than http://api: not "
       "followed (list it in pagination.allowed_origins to follow it)"},
      {"a Link header to another host",
       opts(T::next_link),
       {{items(2), R"(<https://evil.example/e?p=2>; rel="next")"}},
       "page 1's next link leads to https://evil.example, another origin than http://api: not "
       "followed (list it in pagination.allowed_origins to follow it)"},
      {"a file: link",
       opts(T::next_link, "/next"),
       {{{{"items", items(2)}, {"next", "file:///etc/passwd"}}, {}}},
       "page 1's next link has the scheme file, not http or https: not followed"},
      {"a gopher: link in the Link header",
       opts(T::next_link),
       {{items(2), R"(<gopher://127.0.0.1:6379/_FLUSHALL>; rel="next")"}},
       "page 1's next link has the scheme gopher, not http or https: not followed"},
      {"a dict: link",
       opts(T::next_link, "/next"),
       {{{{"items", items(2)}, {"next", "dict://127.0.0.1:11211/stats"}}, {}}},
       "page 1's next link has the scheme dict, not http or https: not followed"},
      {"an ftp: link",
       opts(T::next_link, "/next"),
       {{{{"items", items(2)}, {"next", "ftp://api/e"}}, {}}},
       "page 1's next link has the scheme ftp, not http or https: not followed"},
      {"a next link that is not a URL",
       opts(T::next_link, "/next"),
       {{{{"items", items(2)}, {"next", "http://a b/"}}, {}}},
       "page 1's next link is not a URL"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    std::string error;
    walk(c.options, c.responses, &error);
    CHECK(error == c.error);
  }
}

TEST_CASE("a next link may lead to a listed origin, and only to that", "[http]") {
  using T = PaginationType;
  auto o = opts(T::next_link, "/next");
  o.allowed_origins = {"https://cdn.example.com:8443", "http://other.example"};
  std::string error;
  const auto urls = walk(o,
                         {{{{"items", items(2)}, {"next", "https://cdn.example.com:8443/p2"}}, {}},
                          {{{"items", items(2)}, {"next", "http://other.example/p3"}}, {}},
                          {{{"items", items(2)}, {"next", "/p4"}}, {}},
                          {{{"items", items(2)}, {"next", "https://cdn.example.com/p5"}}, {}}},
                         &error);
  // A relative link resolves against where the walk is (other.example), which is allowed.
  CHECK(urls == std::vector<std::string>{"http://api/e?from=x&size=2",
                                         "https://cdn.example.com:8443/p2",
                                         "http://other.example/p3", "http://other.example/p4"});
  CHECK(error ==
        "page 4's next link leads to https://cdn.example.com, another origin than http://api: "
        "not followed (list it in pagination.allowed_origins to follow it)");
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

TEST_CASE("token_text does not recurse into deep values", "[http]") {
  // Parsed (nlohmann's parser keeps its own stack), then read without recursion.
  for (std::size_t depth : {2u, 600u, 100000u}) {
    INFO(depth);
    const json deep = json::parse(std::string(depth, '[') + "1" + std::string(depth, ']'));
    CHECK_FALSE(token_text(deep));
  }
  CHECK_FALSE(token_text(json::array({1, json::object()})));
  CHECK_FALSE(token_text(json::array({1, nullptr})));
}
