// The web console's embedded files (daemon/api/console.*, embed_console.cmake): served with
// their types, gzip when accepted, 304 on a matching ETag, strict security headers; and the
// house rules of the page's code, checked on what is actually embedded.
#include <catch2/catch.hpp>

#include <regex>
#include <set>

#include "daemon/api/console.hpp"

using namespace sluice;

namespace {

std::string header(const api::Response& r, std::string_view name) {
  for (const auto& [n, v] : r.headers)
    if (n == name) return v;
  return "";
}

}  // namespace

TEST_CASE("the console's files: index at /, gzip when accepted, 304, strict headers",
          "[api][console]") {
  const auto index = api::console_response({.method = "GET", .target = "/?x=1"});
  REQUIRE(index.status == 200);
  CHECK(index.content_type == "text/html; charset=utf-8");
  CHECK(index.body.find("<html") != std::string::npos);
  CHECK(header(index, "Content-Security-Policy").find("script-src 'self'") != std::string::npos);
  CHECK(header(index, "X-Frame-Options") == "DENY");
  CHECK(header(index, "Content-Encoding").empty());

  const auto etag = header(index, "ETag");
  CHECK(etag.size() == 22);
  CHECK(api::console_response({.method = "GET", .target = "/", .if_none_match = etag}).status ==
        304);

  for (const auto* accept : {"gzip", "br, gzip;q=0.5", "*", "deflate, gzip ; q=1"}) {
    INFO(accept);
    const auto packed =
        api::console_response({.method = "GET", .target = "/", .accept_encoding = accept});
    CHECK(header(packed, "Content-Encoding") == "gzip");
    CHECK(packed.body.substr(0, 2) == "\x1f\x8b");
    CHECK(packed.body.size() < index.body.size());
  }
  for (const auto* accept : {"br", "gzip;q=0", "gzip; q=0.000", "xgzip"}) {
    INFO(accept);
    CHECK(header(api::console_response({.method = "GET", .target = "/", .accept_encoding = accept}),
                 "Content-Encoding")
              .empty());
  }
  CHECK(api::console_response({.method = "GET", .target = "/console/nothing.js"}).status == 404);
  CHECK(api::console_response({.method = "POST", .target = "/"}).status == 405);
  CHECK(api::is_console_path("/console/js/app.mjs"));
  CHECK_FALSE(api::is_console_path("/api/v1/pipelines"));

  // Every embedded file is served with a type; every module the page loads is among them.
  for (const auto& asset : api::console_assets()) {
    INFO(asset.path);
    const auto r = api::console_response({.method = "GET", .target = std::string(asset.path)});
    CHECK(r.status == 200);
    CHECK(r.body == asset.plain);
  }
}

TEST_CASE("the console's code builds no HTML from text and runs no inline script",
          "[api][console]") {
  // Data reaches the page only as text nodes and attributes: nothing parses a string as HTML
  // or code, so a description holding <script> stays text (the browser suite checks it too).
  const std::regex forbidden(
      R"(innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\s*\(|new\s+Function|setTimeout\s*\(\s*['"`])");
  // The Content-Security-Policy forbids inline scripts, styles and handlers: none is written.
  const std::regex inline_code(R"(<script(?![^>]*\bsrc=)[^>]*>|\sstyle\s*=|\son[a-z]+\s*=)",
                               std::regex::icase);
  for (const auto& asset : api::console_assets()) {
    INFO(asset.path);
    const std::string text(asset.plain);
    CHECK_FALSE(std::regex_search(text, forbidden));
    if (asset.path == "/") CHECK_FALSE(std::regex_search(text, inline_code));
  }
}

TEST_CASE("every module the console imports is embedded", "[api][console]") {
  std::set<std::string> paths;
  for (const auto& asset : api::console_assets()) paths.emplace(asset.path);
  const std::regex import_from(R"((?:from|import)\s*\(?\s*['"]([^'"]+\.mjs)['"])");
  std::size_t imports = 0;
  for (const auto& asset : api::console_assets()) {
    if (!asset.path.ends_with(".mjs")) continue;
    const std::string text(asset.plain);
    const std::string dir(asset.path.substr(0, asset.path.rfind('/') + 1));
    for (std::sregex_iterator m(text.begin(), text.end(), import_from), end; m != end; ++m) {
      std::string target = (*m)[1];
      std::string resolved = target.starts_with("/") ? target : dir + target;
      // ./ and ../ segments, as the browser resolves them.
      for (std::size_t at; (at = resolved.find("/./")) != std::string::npos;) resolved.erase(at, 2);
      for (std::size_t at; (at = resolved.find("/../")) != std::string::npos;) {
        const auto parent = resolved.rfind('/', at - 1);
        resolved.erase(parent, at + 3 - parent);
      }
      INFO(asset.path << " imports " << target << " = " << resolved);
      CHECK(paths.count(resolved) == 1);
      ++imports;
    }
  }
  CHECK(imports > 10);
  CHECK(paths.count("/console/js/app.mjs") == 1);
}
