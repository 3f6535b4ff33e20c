#pragma once
#include <compare>
#include <string>

#include "framework/core/instant.hpp"

namespace sluice {

// Half-open [start, end) in UTC. Labels (target_day, local times) come from the
// pipeline's zone and are computed by time/, not stored here.
struct Window {
  Instant start;
  Instant end;

  bool contains(Instant t) const { return start <= t && t < end; }
  Seconds length() const { return end - start; }
  auto operator<=>(const Window&) const = default;
};

// `[2024-03-10T08:00:00Z, 2024-03-10T10:00:00Z)`: the form every log line uses.
std::string to_string(const Window& w);

}  // namespace sluice
