// The HTTP client speaks HTTP and HTTPS only and follows no redirect, whatever URL it is
// handed: the last line of defence for every adapter that uses it (HTTP API, ClickHouse).
#include <catch2/catch.hpp>

#include "framework/net/http_client.hpp"
#include "tests/support/files.hpp"
#include "tests/support/http_test_server.hpp"
#include "tests/support/paths.hpp"

using namespace sluice;

TEST_CASE("URLs of other schemes fail before anything is read or connected", "[net]") {
  test::TempDir dir;
  test::write_file(dir.path() / "secret.txt", "the-file-content\n");
  test::HttpTestServer listener(
      [](const test::HttpRequest&) { return test::HttpResponse::json("{}"); });
  const std::string port = std::to_string(listener.port());
  net::HttpClient client;
  for (const std::string& url :
       {"file://" + (dir.path() / "secret.txt").string(), "gopher://127.0.0.1:" + port + "/_x",
        "dict://127.0.0.1:" + port + "/d:x", "ftp://127.0.0.1:" + port + "/x",
        "telnet://127.0.0.1:" + port, "ldap://127.0.0.1:" + port + "/", "smtp://127.0.0.1:" + port,
        "tftp://127.0.0.1:" + port + "/x"}) {
    for (const char* method : {"GET", "POST"}) {
      INFO(method << " " << url);
      net::HttpRequest request;
      request.method = method;
      request.url = url;
      auto response = client.perform(request);
      REQUIRE_FALSE(response);
      CHECK(response.error().kind == ErrorKind::permanent);
      CHECK_THAT(response.error().message, !Catch::Contains("the-file-content"));
    }
  }
  CHECK(listener.connection_count() == 0);
}

TEST_CASE("a redirect is answered as it is, not followed", "[net]") {
  test::HttpTestServer foreign(
      [](const test::HttpRequest&) { return test::HttpResponse::json("{}"); });
  std::string location;
  test::HttpTestServer server([&](const test::HttpRequest&) {
    auto r = test::HttpResponse::json("moved", 302);
    r.headers.emplace_back("Location", location);
    return r;
  });
  net::HttpClient client;
  for (const std::string& to : {foreign.base_url() + "/x", std::string("file:///etc/passwd"),
                                server.base_url() + "/again"}) {
    INFO(to);
    location = to;
    net::HttpRequest request;
    request.url = server.base_url() + "/start";
    request.headers = {"Authorization: Bearer s3cret", "X-Api-Key: k3y"};
    auto response = client.perform(request);
    REQUIRE(response);
    CHECK(response->status == 302);
    CHECK(response->header("location") == to);
  }
  CHECK(server.request_count() == 3);
  CHECK(foreign.connection_count() == 0);
}
