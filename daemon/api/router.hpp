#pragma once
// Which route a method and path name: 404 when no pattern fits the path, 405 (with Allow)
// when one fits it under another method.
#include <span>
#include <string>
#include <vector>

#include "daemon/api/api.hpp"

namespace sluice::api {

struct Match {
  const Route* route = nullptr;
  PathParams params{};
};

Answer<Match> match_route(std::span<const Route> table, std::string_view method,
                          const std::vector<std::string>& segments);

}  // namespace sluice::api
