#pragma once
// Naming conventions per layer: the daemon file's `naming` gives each layer a regular
// expression (RE2 syntax, searched in a target table's name without its schema), and a
// pipeline's `layer` says which one its target table must match. A pipeline without `layer`
// takes the one layer whose pattern its target table matches.
//
// A pattern cannot stall a load or a reload: RE2 matches in time linear in the name's length
// (names are at most 63 characters, schema/identifier.hpp) and never backtracks, refuses what
// would need backtracking (back-references) and repeats over 1000, and builds its automaton
// within kNamingPatternMemory or refuses the pattern.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "framework/config/model.hpp"

namespace re2 {
class RE2;
}

namespace sluice::config {

inline constexpr std::size_t kMaxNamingPatternBytes = 256;
// RE2's max_mem: ample for anything a 63-character name needs (`.{63}` takes about 1 KiB).
inline constexpr std::int64_t kNamingPatternMemory = std::int64_t{1} << 20;

// The check of a `naming` pattern (a key table's StringCheck): why it is refused, or empty.
std::string check_naming_pattern(std::string_view pattern);

class NamingRules {
 public:
  // Patterns that do not compile are left out (their key reported the error).
  explicit NamingRules(const NamingConfig& naming);
  ~NamingRules();
  NamingRules(NamingRules&&) noexcept;
  NamingRules& operator=(NamingRules&&) noexcept;

  bool empty() const { return rules_.empty(); }
  // Whether `name` matches the layer's pattern; nullopt when the layer has none.
  std::optional<bool> matches(Layer layer, std::string_view name) const;
  // The one layer whose pattern `name` matches; none when no pattern or several do.
  std::optional<Layer> infer(std::string_view name) const;

 private:
  std::vector<std::pair<Layer, std::unique_ptr<const re2::RE2>>> rules_;
};

// A pipeline's layer and its target table's name: without `layer`, the layer its target
// table's name matches (layer_inferred); with `layer`, that name checked against the layer's
// pattern, a violation reported at `target.table` (an error under `naming.level: error`, a
// warning otherwise). A target without a table (a file) has no layer to infer or check.
void check_naming(PipelineConfig& p, const NamingRules& rules, const NamingConfig& naming,
                  Diagnostics& diags);

}  // namespace sluice::config
