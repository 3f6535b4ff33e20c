// URLs read as libcurl reads them: origins (scheme, host, port) and next links resolved, the
// tricks that make a URL look like one host and reach another included.
#include <catch2/catch.hpp>

#include "framework/net/url.hpp"

using namespace sluice;
using net::Origin;

TEST_CASE("the origin of a URL is its scheme, host and port, as libcurl connects", "[net]") {
  struct Case {
    const char* url;
    std::optional<Origin> origin;
  };
  const Case cases[] = {
      {"https://api.example.com/v1?x=1", Origin{"https", "api.example.com", 443}},
      {"HTTPS://API.Example.COM:443/", Origin{"https", "api.example.com", 443}},
      {"http://api.example.com", Origin{"http", "api.example.com", 80}},
      {"http://127.0.0.1:8080/x", Origin{"http", "127.0.0.1", 8080}},
      {"http://[::1]:9/x", Origin{"http", "[::1]", 9}},
      // The user information is not the host: this one goes to evil.example.
      {"https://api.example.com@evil.example/x", Origin{"https", "evil.example", 443}},
      {"https://user:pw@api.example.com:8443/", Origin{"https", "api.example.com", 8443}},
      {"file:///etc/passwd", std::nullopt},
      {"gopher://127.0.0.1:70/_x", std::nullopt},
      {"dict://127.0.0.1:2628/d:x", std::nullopt},
      {"ftp://127.0.0.1/x", std::nullopt},
      {"javascript:alert(1)", std::nullopt},
      {"/v1/events", std::nullopt},
      {"", std::nullopt},
  };
  for (const auto& c : cases) {
    INFO(c.url);
    CHECK(net::origin_of(c.url) == c.origin);
  }
  CHECK(Origin{"https", "a.example", 443}.text() == "https://a.example");
  CHECK(Origin{"https", "a.example", 8443}.text() == "https://a.example:8443");
  CHECK(Origin{"http", "a.example", 443}.text() == "http://a.example:443");
}

TEST_CASE("next links resolve against the current URL (RFC 3986)", "[net]") {
  struct Case {
    const char* name;
    std::string link;
    std::string out;
  };
  const std::string current = "https://api.example.com:8443/v1/events?page=1";
  const Case cases[] = {
      {"absolute", "https://other/x?y=1", "https://other/x?y=1"},
      {"absolute path", "/v2/events?after=9", "https://api.example.com:8443/v2/events?after=9"},
      {"query only", "?page=2", "https://api.example.com:8443/v1/events?page=2"},
      {"relative path", "more?page=2", "https://api.example.com:8443/v1/more?page=2"},
      {"dot segments", "../v2/e", "https://api.example.com:8443/v2/e"},
      {"scheme-relative: another host", "//evil.example/x", "https://evil.example/x"},
      {"another scheme", "file:///etc/passwd", "file:///etc/passwd"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    auto out = net::resolve_url(current, c.link);
    REQUIRE(out);
    CHECK(*out == c.out);
  }
  CHECK_FALSE(net::resolve_url(current, "http://exa mple/"));
  CHECK_FALSE(net::resolve_url("not a url", "/x"));
}

TEST_CASE("an allowed origin is written as scheme, host and port only", "[net]") {
  for (const char* ok : {"https://cdn.example.com", "https://cdn.example.com:8443",
                         "http://127.0.0.1:9000/", "https://[::1]:8443"}) {
    INFO(ok);
    CHECK(net::check_origin(ok).empty());
  }
  for (const char* bad :
       {"cdn.example.com", "https://cdn.example.com/v1", "ftp://cdn.example.com",
        "https://u:p@cdn.example.com", "https://cdn.example.com?x=1", "file:///etc", "https://"}) {
    INFO(bad);
    CHECK_FALSE(net::check_origin(bad).empty());
  }
}
