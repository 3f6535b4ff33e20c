#include "framework/adapters/computed.hpp"

#include <algorithm>

namespace sluice::adapters {

Result<void> check_computed_names(std::span<const Column> loaded,
                                  std::span<const ComputedColumn> computed) {
  for (const auto& c : computed) {
    if (std::any_of(loaded.begin(), loaded.end(),
                    [&](const Column& l) { return l.name == c.name; }))
      return fail(
          Error::permanent(c.origin + ": transform column '" + c.name +
                           "' is computed by the target, and the loaded rows have a column '" +
                           c.name + "' too (list the loaded columns with 'from', or rename it)"));
  }
  return {};
}

std::string describe(std::span<const ComputedColumn> computed) {
  std::string out;
  for (const auto& c : computed)
    out += (out.empty() ? "'" : ", '") + c.name + "' (" + c.origin + ")";
  return out;
}

}  // namespace sluice::adapters
