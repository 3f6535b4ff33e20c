#include "framework/core/suggest.hpp"

#include <algorithm>
#include <cctype>

namespace sluice {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // Case-insensitive Levenshtein with one rolling row.
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
      const std::size_t next = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
      diagonal = row[j];
      row[j] = next;
    }
  }
  return row[b.size()];
}

std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string_view>& candidates) {
  const std::size_t limit = std::max<std::size_t>(2, word.size() / 3);
  std::optional<std::string> best;
  std::size_t best_distance = limit + 1;
  for (auto c : candidates) {
    // The distance is at least the difference in length: a long text (a config value of
    // megabytes) is compared with no candidate at all, not in time proportional to its size.
    const std::size_t gap =
        word.size() > c.size() ? word.size() - c.size() : c.size() - word.size();
    if (gap >= best_distance) continue;
    const std::size_t d = edit_distance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = std::string(c);
    }
  }
  return best;
}

std::string unknown_name_hint(std::string_view word,
                              const std::vector<std::string_view>& candidates,
                              std::string_view none) {
  if (auto close = closest_match(word, candidates)) return " (did you mean '" + *close + "'?)";
  if (candidates.empty()) return " (" + std::string(none) + ")";
  std::string all;
  for (auto c : candidates) all += (all.empty() ? "" : ", ") + std::string(c);
  return " (defined: " + all + ")";
}

}  // namespace sluice
