#include "framework/store/claim_limits.hpp"

namespace sluice::store {

std::int64_t claim_limits_fingerprint(std::span<const ClaimLimit> limits) {
  // FNV-1a over every field, each ended by a byte no id holds.
  std::uint64_t h = 14695981039346656037ULL;
  const auto mix = [&h](std::string_view text) {
    for (const unsigned char ch : text) h = (h ^ ch) * 1099511628211ULL;
    h = (h ^ 0x1fU) * 1099511628211ULL;
  };
  for (const auto& l : limits) {
    mix(l.pipeline.value);
    for (const int n : {l.live, l.backfill, l.version, l.pool_slots, l.pool_size, l.priority})
      mix(std::to_string(n));
    mix(l.pool);
  }
  return static_cast<std::int64_t>(h);
}

}  // namespace sluice::store
