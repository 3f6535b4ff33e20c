#pragma once
// A synthetic source for demos and benchmarks: `rows_per_window` rows per window, spread
// evenly over it, the same rows every time for the same window (so counts audit exactly).
#include <cstdint>
#include <memory>

#include "framework/adapters/interfaces.hpp"
#include "framework/adapters/registry.hpp"

namespace sluice::adapters::generate {

struct SourceOptions {
  std::int64_t rows_per_window = 1000;
  std::int64_t seed = 0;  // shifts ids and values: same seed, same rows
  std::string time_column = "event_time";
};

std::unique_ptr<Source> make_source(SourceOptions options);
// The source section's keys fill the options directly (keys.cpp).
const config::Binding<SourceOptions>& source_binding();
Result<std::unique_ptr<Source>> source_from_config(const adapters::ConnectionConfig& connection,
                                                   const adapters::EndpointConfig& source);

// The columns it produces: id, <time_column>, user_id, kind, amount, note.
std::vector<Column> columns(const SourceOptions& options);

// Where row `i` of `n` lies in a window of `length`: floor(length * i / n), exact for every
// length and count the config accepts (a month in microseconds times 10^12 rows is far past
// int64, so the product is taken in 128 bits). Non-decreasing in i, below length for i < n.
std::int64_t spread(std::int64_t length, std::int64_t i, std::int64_t n);

// The `id` of row `i`: window start in seconds * 10^6 + seed + i, wrapping modulo 2^64 for
// a seed near the int64 limit rather than overflowing.
std::int64_t row_id(Instant window_start, std::int64_t seed, std::int64_t i);

}  // namespace sluice::adapters::generate
