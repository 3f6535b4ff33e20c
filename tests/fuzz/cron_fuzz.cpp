// libFuzzer target: any text through Cron::parse; whatever parses must answer next_fire and
// prev_fire promptly, in order, in a zone with DST changes. Run by deploy/lib/fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "framework/time/cron.hpp"

using namespace sluice;
using namespace sluice::time;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto cron = Cron::parse(text);
  if (!cron) {
    if (cron.error().empty()) __builtin_trap();  // every rejection says why
    return 0;
  }
  static const Zone zones[] = {utc_zone(), locate_zone("America/Los_Angeles").value(),
                               locate_zone("Australia/Lord_Howe").value()};
  // An instant derived from the input, between 1970 and about 2106.
  std::uint32_t seed = 2166136261u;
  for (unsigned char c : text) seed = (seed ^ c) * 16777619u;
  const Instant t{Seconds{seed}};
  for (const Zone zone : zones) {
    const auto next = cron->next_fire(t, zone);
    const auto prev = cron->prev_fire(t, zone);
    if (!next || !prev || *next <= t || *prev >= t) __builtin_trap();
    if (cron->prev_fire(*next, zone) > t) __builtin_trap();  // nothing fires in (t, next)
  }
  return 0;
}
