#pragma once
// A synthetic source for demos and benchmarks: `rows_per_window` rows per window, spread
// evenly over it, the same rows every time for the same window (so counts audit exactly).
#include <cstdint>
#include <memory>

#include "framework/adapters/interfaces.hpp"

namespace sluice::adapters::generate {

struct SourceOptions {
  std::int64_t rows_per_window = 1000;
};

std::unique_ptr<Source> make_source(SourceOptions options);

// The columns it produces: id, event_time, user_id, kind, amount, note.
std::vector<Column> columns();

}  // namespace sluice::adapters::generate
