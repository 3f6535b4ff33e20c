#include "daemon/api/router.hpp"

namespace sluice::api {
namespace {

// The pattern's segments fit the path's; `{name}` takes any one segment.
bool fits(std::string_view pattern, const std::vector<std::string>& segments, PathParams* params) {
  std::size_t i = 0, at = 1;  // patterns start with '/'
  while (at <= pattern.size()) {
    auto slash = pattern.find('/', at);
    if (slash == std::string_view::npos) slash = pattern.size();
    const auto part = pattern.substr(at, slash - at);
    at = slash + 1;
    if (part.empty()) continue;
    if (i >= segments.size()) return false;
    if (part.front() == '{' && part.back() == '}') {
      if (params) params->emplace(std::string(part.substr(1, part.size() - 2)), segments[i]);
    } else if (part != segments[i]) {
      return false;
    }
    ++i;
  }
  return i == segments.size();
}

}  // namespace

Answer<Match> match_route(std::span<const Route> table, std::string_view method,
                          const std::vector<std::string>& segments) {
  std::string allow;
  for (const auto& route : table) {
    if (!fits(route.pattern, segments, nullptr)) continue;
    if (route.method == method) {
      Match m{.route = &route};
      fits(route.pattern, segments, &m.params);
      return m;
    }
    if (allow.find(route.method) == std::string::npos)
      allow += (allow.empty() ? "" : ", ") + std::string(route.method);
  }
  if (allow.empty()) return refuse({.status = 404, .detail = "no such route"});
  return refuse({.status = 405,
                 .detail = std::string(method) + " is not allowed here; this route takes " + allow,
                 .headers = {{"Allow", allow}}});
}

}  // namespace sluice::api
