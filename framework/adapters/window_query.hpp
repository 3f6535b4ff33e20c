#pragma once
// What data checks (a pipeline's `checks:`, tasks/checks.cpp) ask of a server about one
// window. An adapter that can answer offers a CheckServer through its registry row
// (`make_check_server`): small SELECTs with the window bound, its way of quoting a column,
// and the SELECT of a source's or target's rows in the window. On top of it, the same SQL
// for every server:
// - WindowQuery: rows with a NULL (not_null), duplicate rows (unique), a column's sum
//   (sum_match), over the SELECT of the window's rows;
// - CheckQuery: an assertion query (`checks[].sql`), its placeholders (`:window_start`,
//   `:window_end`, `:target_day`, as in SQL pipelines) bound as typed values.
// PostgreSQL, MariaDB and ClickHouse have one (each folder's check_server.cpp); a kind
// without one cannot run these checks, and the loader says so where they are configured.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "framework/adapters/common_keys.hpp"
#include "framework/adapters/endpoint.hpp"
#include "framework/adapters/interfaces.hpp"
#include "framework/adapters/sql_template.hpp"

namespace sluice::adapters {

using TextRow = std::vector<std::optional<std::string>>;  // NULL is nullopt

class CheckServer {
 public:
  virtual ~CheckServer() = default;
  virtual sql::Dialect dialect() const = 0;
  // One column name, quoted whatever it holds (quotes, spaces, non-ASCII letters).
  virtual std::string quote(std::string_view column) const = 0;
  // The SELECT of the rows of the section the server was made for (a source's or a
  // target's) in `window`, without placeholders; empty when made for a connection alone.
  virtual std::string window_rows(const Window& window) const = 0;
  // Runs `statement` and returns its rows as text; `scanned`, when given, holds its
  // placeholders, bound to ctx's window. For small answers: every row is held. Bounded by
  // ctx.deadline like every adapter call; errors classified.
  virtual Result<std::vector<TextRow>> select(const WindowContext& ctx,
                                              const std::string& statement,
                                              const sql::Scanned* scanned) = 0;
};

struct Duplicates {
  std::int64_t rows = 0;  // rows beyond the first of each value
  std::int64_t keys = 0;  // values held by more than one row
};

class WindowQuery {
 public:
  explicit WindowQuery(std::shared_ptr<CheckServer> server) : server_(std::move(server)) {}

  // Rows of the window where one of `columns` at least is NULL.
  Result<std::int64_t> null_rows(const WindowContext& ctx, std::span<const std::string> columns);
  // Rows of the window that repeat the value of `columns` of an earlier one; two NULLs are
  // the same value (as GROUP BY has it).
  Result<Duplicates> duplicates(const WindowContext& ctx, std::span<const std::string> columns);
  // The sum of `column` over the window as the server writes it; nullopt when no row has a
  // value.
  Result<std::optional<std::string>> sum(const WindowContext& ctx, const std::string& column);

 private:
  Result<TextRow> one_row(const WindowContext& ctx, const std::string& statement);

  std::shared_ptr<CheckServer> server_;
};

class CheckQuery {
 public:
  explicit CheckQuery(std::shared_ptr<CheckServer> server) : server_(std::move(server)) {}

  // How many rows `query` returns (counted on the server).
  Result<std::int64_t> count_rows(const WindowContext& ctx, std::string_view query);
  // Its first `limit` rows.
  Result<std::vector<TextRow>> first_rows(const WindowContext& ctx, std::string_view query,
                                          int limit);

 private:
  // `query` inside `before` and `after`, scanned: the statement the server runs.
  Result<std::vector<TextRow>> wrapped(const WindowContext& ctx, std::string_view query,
                                       const std::string& before, const std::string& after);

  std::shared_ptr<CheckServer> server_;
};

// What a CheckServer reads of `section` as `role` (the registry row's factory is given
// both): a source's query or table, a target's table, with the time column; nullopt without
// a section. The SQL adapters share the source and target keys (common_keys.hpp).
std::optional<SqlSourceSettings> window_rows_settings(const EndpointConfig* section, Role role);

// A whole number of a server's answer (a count), or a permanent Error naming `what`.
Result<std::int64_t> whole_number(const std::optional<std::string>& text, std::string_view what);

}  // namespace sluice::adapters
