#pragma once
// Columns a SQL target computes as it loads (`transform.columns[].sql`): what every such
// target checks and says about them the same way.
#include <span>
#include <string>

#include "framework/adapters/rows.hpp"
#include "framework/core/error.hpp"

namespace sluice::adapters {

// A column the target computes as it loads, from the loaded columns of the same row: a SQL
// expression of the operator's, trusted as a source's `query` is.
struct ComputedColumn {
  std::string name;
  std::string sql;
  std::string origin;  // `file:line:column` of the column in the pipeline file, for messages
};

// A computed column named like a loaded one is a permanent error naming both.
Result<void> check_computed_names(std::span<const Column> loaded,
                                  std::span<const ComputedColumn> computed);

// `'cents' (pipelines.d/orders.yaml:20:5), 'shout' (...)`, for messages.
std::string describe(std::span<const ComputedColumn> computed);

}  // namespace sluice::adapters
