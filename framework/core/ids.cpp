#include "framework/core/ids.hpp"

namespace sluice {

std::string_view to_string(Trigger t) {
  switch (t) {
    case Trigger::scheduled: return "scheduled";
    case Trigger::backfill: return "backfill";
    case Trigger::manual: return "manual";
  }
  return "scheduled";
}

std::optional<Trigger> parse_trigger(std::string_view text) {
  for (Trigger t : {Trigger::scheduled, Trigger::backfill, Trigger::manual})
    if (to_string(t) == text) return t;
  return std::nullopt;
}

RunId RunId::make(Trigger trigger, std::string_view claim_instant) {
  std::string v(to_string(trigger));
  v += "__";
  v += claim_instant;
  return RunId{std::move(v)};
}

std::optional<Trigger> RunId::trigger() const {
  const auto sep = value.find("__");
  if (sep == std::string::npos) return std::nullopt;
  return parse_trigger(std::string_view(value).substr(0, sep));
}

}  // namespace sluice
