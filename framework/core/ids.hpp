#pragma once
// Strong types for the identifiers of DESIGN.md, so a pipeline id is never passed where a
// run ID is expected.
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "framework/core/instant.hpp"

namespace sluice {

struct PipelineId {
  std::string value;
  auto operator<=>(const PipelineId&) const = default;
};

struct RecordId {
  std::int64_t value = 0;
  auto operator<=>(const RecordId&) const = default;
};

enum class Trigger { scheduled, backfill, manual };
std::string_view to_string(Trigger t);
std::optional<Trigger> parse_trigger(std::string_view text);

// The fencing token written at each claim: `scheduled__2024-03-10T08:00:00.123456+00:00`.
// Unique per claim because the claim instant is taken from the database clock with
// microseconds and the claim row is locked while it is written.
struct RunId {
  std::string value;

  static RunId make(Trigger trigger, std::string_view claim_instant);
  std::optional<Trigger> trigger() const;
  auto operator<=>(const RunId&) const = default;
};

}  // namespace sluice
