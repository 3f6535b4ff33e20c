#pragma once
// The statements of one window's load into a PostgreSQL table, after the window's DELETE in
// the same transaction. Without computed columns the staged rows are COPYed into the table.
// With them, the rows are COPYed into a temporary table (ON COMMIT DROP) whose columns have
// the table's types, and one INSERT ... SELECT moves them to the table with each expression
// evaluated by the server: the load stays one transaction, all or nothing, and the rows can
// still be streamed in while they are being extracted.
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "framework/adapters/interfaces.hpp"
#include "framework/adapters/postgres/libpq.hpp"

namespace sluice::adapters::postgres {

struct LoadPlan {
  std::string copy;  // COPY ... FROM STDIN
  // Empty without computed columns.
  std::string create_temporary;
  std::string insert;
  // Per computed column, where its parenthesised expression sits in `insert`: [begin, end),
  // 1-based characters, as the server counts an error's position.
  std::vector<std::pair<int, int>> expressions;

  bool computes() const { return !insert.empty(); }
};

// `table` as configured (`schema.table`); names are quoted, expressions go in as written. A
// computed column named like a loaded one is a permanent error naming both.
Result<LoadPlan> plan_load(std::string_view table, std::span<const Column> loaded,
                           std::span<const ComputedColumn> computed);

// The Error of a failed INSERT ... SELECT, classified by its SQLSTATE: it names the computed
// column whose expression the server's position points into, or all of them when it points
// into none (a division by zero, a NOT NULL violation).
Error insert_error(const LoadPlan& plan, std::span<const ComputedColumn> computed,
                   std::string_view table, const ServerError& said);

}  // namespace sluice::adapters::postgres
