#pragma once
// The statements of one window's load into a PostgreSQL table, in one transaction after the
// window's DELETE (replace_window) or none (append, upsert). Plain loads COPY the staged rows
// into the table. With computed columns, or to upsert, the rows are COPYed into a temporary
// table (ON COMMIT DROP) whose columns have the table's types, and one INSERT ... SELECT moves
// them to the table, with each expression evaluated by the server and, to upsert, ON CONFLICT
// (key) DO UPDATE: the load stays one transaction, all or nothing, and the rows can still be
// streamed in while they are being extracted.
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
  // Empty for a plain COPY.
  std::string create_temporary;
  std::string insert;
  // Upsert: the window's rows whose key has a NULL (which no conflict would match, so each
  // run would add them again), and, after the INSERT, the table's rows holding the window's
  // keys (Loaded::held).
  std::string null_keys;
  std::string held;
  // Per computed column, where its parenthesised expression sits in `insert`: [begin, end),
  // 1-based characters, as the server counts an error's position.
  std::vector<std::pair<int, int>> expressions;

  bool through_temporary() const { return !insert.empty(); }
  bool upserts() const { return !held.empty(); }
};

// `table` as configured (`schema.table`); names are quoted, expressions go in as written. A
// computed column named like a loaded one, or a key column that is not loaded, is a
// permanent error naming them.
Result<LoadPlan> plan_load(std::string_view table, std::span<const Column> loaded,
                           std::span<const ComputedColumn> computed,
                           LoadMode mode = LoadMode::replace_window,
                           std::span<const std::string> key = {});

// The Error of a failed INSERT ... SELECT, classified by its SQLSTATE: it names the computed
// column whose expression the server's position points into, or all of them when it points
// into none (a division by zero, a NOT NULL violation); an upsert's repeated key or missing
// unique index is said as such.
Error insert_error(const LoadPlan& plan, std::span<const ComputedColumn> computed,
                   std::string_view table, const ServerError& said,
                   std::span<const std::string> key = {});

}  // namespace sluice::adapters::postgres
