#include "daemon/api/console.hpp"

#include <algorithm>

namespace sluice::api {
namespace {

// `gzip` among the codings, unless weighted q=0 (RFC 9110 12.5.3).
bool accepts_gzip(std::string_view header) {
  while (!header.empty()) {
    const auto comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    const auto semicolon = item.find(';');
    std::string_view coding = item.substr(0, semicolon);
    while (!coding.empty() && coding.back() == ' ') coding.remove_suffix(1);
    if (coding != "gzip" && coding != "*") continue;
    if (semicolon == std::string_view::npos) return true;
    std::string_view weight = item.substr(semicolon + 1);
    weight.remove_prefix(std::min(weight.find_first_not_of(' '), weight.size()));
    const bool zero =
        weight.starts_with("q=0") && weight.find_first_not_of("0.", 2) == std::string_view::npos;
    if (!zero) return true;
  }
  return false;
}

// If-None-Match: `*` or a list of quoted tags, any of which may be weak (W/).
bool matches(std::string_view header, std::string_view etag) {
  return header == "*" || header.find(etag) != std::string_view::npos;
}

}  // namespace

bool is_console_path(std::string_view path) {
  return path == "/" || path.starts_with("/console/");
}

const Headers& console_security_headers() {
  static const Headers headers{
      {"Content-Security-Policy",
       "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Frame-Options", "DENY"},
  };
  return headers;
}

Response console_response(const Request& request) {
  const std::string_view target = request.target;
  const auto path = target.substr(0, target.find('?'));
  Response out;
  out.route = "console";
  out.headers = console_security_headers();
  if (request.method != "GET") {
    out = problem_response({.status = 405, .detail = "the console's files are read with GET"},
                           std::string(path));
    out.headers.emplace_back("Allow", "GET");
    out.route = "console";
    return out;
  }
  const auto assets = console_assets();
  const auto found = std::find_if(assets.begin(), assets.end(),
                                  [&](const ConsoleAsset& a) { return a.path == path; });
  if (found == assets.end()) {
    out = problem_response({.status = 404, .detail = "no such console file"}, std::string(path));
    out.route = "console";
    return out;
  }
  out.headers.emplace_back("ETag", std::string(found->etag));
  // Revalidated on each load (a 304 costs a round trip, not the file): a new daemon's console
  // is never mixed with an old one's modules.
  out.headers.emplace_back("Cache-Control", "no-cache");
  out.headers.emplace_back("Vary", "Accept-Encoding");
  if (matches(request.if_none_match, found->etag)) {
    out.status = 304;
    out.content_type = std::string(found->content_type);
    return out;
  }
  out.content_type = std::string(found->content_type);
  if (accepts_gzip(request.accept_encoding)) {
    out.headers.emplace_back("Content-Encoding", "gzip");
    out.body = std::string(found->gzip);
  } else {
    out.body = std::string(found->plain);
  }
  return out;
}

}  // namespace sluice::api
