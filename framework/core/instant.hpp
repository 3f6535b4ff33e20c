#pragma once
// Instants are UTC seconds. Windows, cron fires and leases never need finer resolution,
// and one type everywhere keeps comparisons free of casts.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace sluice {

using Instant = std::chrono::sys_seconds;
using Seconds = std::chrono::seconds;

// `2024-03-10T02:30:00Z` (always UTC, the form logs and JSON use).
std::string format_utc(Instant t);

// Accepts `YYYY-MM-DDTHH:MM:SS` followed by `Z` or `+HH:MM`/`-HH:MM`, or a space instead
// of `T` (what PostgreSQL prints). A bare date is not an instant: see time/zone.hpp.
std::optional<Instant> parse_utc_offset_instant(std::string_view text);

}  // namespace sluice
