// URL templates of an HTTP source: window values encoded, literal text kept, pagination
// parameters appended, the Link header's next link found.
#include <catch2/catch.hpp>

#include <date/date.h>

#include "framework/adapters/http/request.hpp"

using namespace sluice;
using namespace sluice::adapters::http;

namespace {

time::TemplateContext context(const char* zone = "UTC") {
  const Instant start{date::sys_days{date::year{2024} / 3 / 1} + std::chrono::hours(10)};
  return {"orders", Window{start, start + std::chrono::hours(1)}, *time::locate_zone(zone),
          *time::Granularity::parse("1h")};
}

time::FieldTemplate tpl(const char* text) {
  return *time::FieldTemplate::parse(text);
}

}  // namespace

TEST_CASE("url_encode keeps unreserved characters, / : @ and encodes the rest", "[http]") {
  struct Case {
    const char* name;
    std::string in;
    std::string out;
  };
  const Case cases[] = {
      {"plain", "abc-._~XYZ09", "abc-._~XYZ09"},
      {"an offset's plus", "2024-03-01T12:00:00+02:00", "2024-03-01T12:00:00%2B02:00"},
      {"space and ampersand", "a b&c=d", "a%20b%26c%3Dd"},
      {"unicode bytes", "ü", "%C3%BC"},
      {"percent and hash", "50%#", "50%25%23"},
      {"path separators stay", "2024/03/01", "2024/03/01"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    CHECK(url_encode(c.in) == c.out);
  }
}

TEST_CASE("add_query appends with ? or & and keeps a fragment last", "[http]") {
  struct Case {
    const char* name;
    std::string url;
    std::string out;
  };
  const Case cases[] = {
      {"no query yet", "http://h/p", "http://h/p?page=2"},
      {"a query already", "http://h/p?a=1", "http://h/p?a=1&page=2"},
      {"a trailing ?", "http://h/p?", "http://h/p?page=2"},
      {"a fragment", "http://h/p?a=1#top", "http://h/p?a=1&page=2#top"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    CHECK(add_query(c.url, "page", "2") == c.out);
  }
}

TEST_CASE("a URL template renders the window, encoding only the values", "[http]") {
  struct Case {
    const char* name;
    const char* zone;
    std::string base;
    const char* path;
    config::NamedTemplates query;
    std::string out;
  };
  const Case cases[] = {
      {"window in the path's query",
       "UTC",
       "http://api",
       "/v1/events?from={window_start:%FT%TZ}",
       {},
       "http://api/v1/events?from=2024-03-01T10:00:00Z"},
      {"offset of a zone is encoded",
       "Europe/Paris",
       "http://api/",
       "/e?from={window_start:%FT%T%Ez}&to={window_end:%FT%T%Ez}",
       {},
       "http://api/e?from=2024-03-01T11:00:00%2B01:00&to=2024-03-01T12:00:00%2B01:00"},
      {"query templates appended in order",
       "UTC",
       "http://api",
       "/e",
       {{"hour", tpl("{window_start:%H}")}, {"name", tpl("{pipeline} & co")}},
       "http://api/e?hour=10&name=orders%20%26%20co"},
      {"a date path",
       "UTC",
       "http://api",
       "/day/{target_day:%Y/%m/%d}",
       {},
       "http://api/day/2024/03/01"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const UrlTemplate t{c.base, tpl(c.path), c.query};
    CHECK(t.render(context(c.zone)) == c.out);
  }
}

TEST_CASE("the Link header's rel=next is found among other relations", "[http]") {
  struct Case {
    const char* name;
    std::string header;
    std::string out;
  };
  const Case cases[] = {
      {"next first", R"(<https://a/b?page=2>; rel="next", <https://a/b?page=9>; rel="last")",
       "https://a/b?page=2"},
      {"next last", R"(<https://a/b?page=1>; rel="prev", <https://a/b?page=3>; rel="next")",
       "https://a/b?page=3"},
      {"unquoted rel", "</p?c=x>; rel=next", "/p?c=x"},
      {"several relation types", R"(</p?c=y>; rel="last next")", "/p?c=y"},
      {"no next", R"(<https://a/b?page=1>; rel="prev")", ""},
      {"empty header", "", ""},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    CHECK(next_from_link_header(c.header) == c.out);
  }
}
