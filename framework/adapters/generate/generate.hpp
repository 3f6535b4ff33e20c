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
  std::int64_t seed = 0;                  // shifts ids and values: same seed, same rows
  std::string time_column = "event_time";
};

std::unique_ptr<Source> make_source(SourceOptions options);
Result<std::unique_ptr<Source>> source_from_config(const config::ConnectionConfig& connection,
                                                   const config::EndpointConfig& source);

// The columns it produces: id, <time_column>, user_id, kind, amount, note.
std::vector<Column> columns(const SourceOptions& options);

}  // namespace sluice::adapters::generate
