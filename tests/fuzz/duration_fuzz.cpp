// libFuzzer target: any text through parse_duration and Granularity::parse; whatever parses
// must print back to an equal duration and add to an instant without overflow. Run by
// deploy/lib/fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "framework/time/duration.hpp"
#include "framework/time/granularity.hpp"

using namespace sluice;
using namespace sluice::time;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto d = parse_duration(text);
  auto g = Granularity::parse(text);
  if (g && !d) __builtin_trap();
  if (!d) {
    if (d.error().empty()) __builtin_trap();
    return 0;
  }
  if (d->is_zero()) __builtin_trap();
  if (parse_duration(to_string(*d)) != d) __builtin_trap();
  if (g && Granularity::parse(g->to_string()) != g) __builtin_trap();
  const Instant t = Instant{Seconds{1710000000}};
  if (subtract(add(t, *d), *d) > t + Seconds{4 * 86400}) __builtin_trap();
  return 0;
}
