#pragma once
// The web console's files, compiled in (daemon/api/embed_console.cmake): index.html at `/`,
// the rest under `/console/`. The event loop answers them itself, as it does /healthz: they
// need no database and no token (the page signs in through the API).
#include <optional>
#include <span>
#include <string_view>

#include "daemon/api/exchange.hpp"

namespace sluice::api {

struct ConsoleAsset {
  std::string_view path;          // `/` or `/console/js/app.mjs`
  std::string_view content_type;  // with charset for text
  std::string_view etag;          // quoted: `"3f2a..."`
  std::string_view plain;
  std::string_view gzip;
};

std::span<const ConsoleAsset> console_assets();

// Whether `path` (without the query) is the console's to answer: `/` and `/console/...`.
bool is_console_path(std::string_view path);

// A GET of a console path: 200 with the file (gzip when `accept_encoding` allows it),
// 304 when `if_none_match` holds its ETag, 404 for an unknown file, 405 for another method.
// Every answer carries the console's security headers (a strict Content-Security-Policy).
Response console_response(const Request& request);

// The headers every console answer carries: the page runs only its own scripts and styles,
// talks only to this origin and is never framed.
const Headers& console_security_headers();

}  // namespace sluice::api
