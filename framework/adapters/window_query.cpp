#include "framework/adapters/window_query.hpp"

#include <charconv>

#include <fmt/format.h>

#include "framework/adapters/sql_runner.hpp"

namespace sluice::adapters {
namespace {

// `"a", "b"`: the columns quoted, for a GROUP BY.
std::string quoted_list(const CheckServer& server, std::span<const std::string> columns) {
  std::string out;
  for (const auto& c : columns) out += (out.empty() ? "" : ", ") + server.quote(c);
  return out;
}

}  // namespace

std::optional<SqlSourceSettings> window_rows_settings(const EndpointConfig* section, Role role) {
  if (!section) return std::nullopt;
  if (role == Role::source) return config::bind(sql_source_binding(), section->params);
  // A target's window is its table's rows by its time column, as a source table's is.
  auto t = config::bind(sql_target_binding(), section->params);
  return SqlSourceSettings{std::nullopt, std::move(t.table), std::move(t.time_column)};
}

Result<std::int64_t> whole_number(const std::optional<std::string>& text, std::string_view what) {
  if (!text) return fail(Error::permanent(std::string(what) + " returned NULL, not a number"));
  std::int64_t value = 0;
  const char* end = text->data() + text->size();
  if (text->empty() || std::from_chars(text->data(), end, value).ptr != end)
    return fail(Error::permanent(
        fmt::format("{} returned '{}', not a whole number", what, text->substr(0, 40))));
  return value;
}

Result<TextRow> WindowQuery::one_row(const WindowContext& ctx, const std::string& statement) {
  auto rows = server_->select(ctx, statement, nullptr);
  if (!rows) return fail(rows.error());
  if (rows->size() != 1 || rows->front().empty())
    return fail(Error::permanent(
        fmt::format("a check's statement returned {} rows, not one", rows->size())));
  return std::move(rows->front());
}

Result<std::int64_t> WindowQuery::null_rows(const WindowContext& ctx,
                                            std::span<const std::string> columns) {
  std::string any_null;
  for (const auto& c : columns)
    any_null += (any_null.empty() ? "" : " OR ") + server_->quote(c) + " IS NULL";
  auto row = one_row(ctx, "SELECT count(*) FROM (" + server_->window_rows(ctx.window) +
                              ") AS sluice_window WHERE " + any_null);
  if (!row) return fail(row.error());
  return whole_number(row->front(), "the count of rows with NULL");
}

Result<Duplicates> WindowQuery::duplicates(const WindowContext& ctx,
                                           std::span<const std::string> columns) {
  // Counted on the server, whatever the window's size: one row per repeated value at most
  // reaches the outer count.
  auto row =
      one_row(ctx, "SELECT count(*), sum(n - 1) FROM (SELECT count(*) AS n FROM (" +
                       server_->window_rows(ctx.window) + ") AS sluice_window GROUP BY " +
                       quoted_list(*server_, columns) + " HAVING count(*) > 1) AS sluice_repeated");
  if (!row) return fail(row.error());
  if (row->size() < 2) return fail(Error::permanent("the count of duplicates has one column"));
  auto keys = whole_number((*row)[0], "the count of repeated values");
  if (!keys) return fail(keys.error());
  // sum() of no row is NULL on PostgreSQL and MariaDB, 0 on ClickHouse.
  auto rows = (*row)[1] ? whole_number((*row)[1], "the count of duplicate rows") : 0;
  if (!rows) return fail(rows.error());
  return Duplicates{*rows, *keys};
}

Result<std::optional<std::string>> WindowQuery::sum(const WindowContext& ctx,
                                                    const std::string& column) {
  auto row = one_row(ctx, "SELECT sum(" + server_->quote(column) + ") FROM (" +
                              server_->window_rows(ctx.window) + ") AS sluice_window");
  if (!row) return fail(row.error());
  return std::move(row->front());
}

Result<std::vector<TextRow>> CheckQuery::wrapped(const WindowContext& ctx, std::string_view query,
                                                 const std::string& before,
                                                 const std::string& after) {
  auto scanned = scan_checked(query, server_->dialect(), "sql");
  if (!scanned) return fail(scanned.error());
  // Without its trailing `;`: the query becomes a subquery.
  const std::string statement = before + std::string(query.substr(0, scanned->length)) + after;
  auto placed = scan_checked(statement, server_->dialect(), "sql");
  if (!placed) return fail(placed.error());
  return server_->select(ctx, statement, &*placed);
}

Result<std::int64_t> CheckQuery::count_rows(const WindowContext& ctx, std::string_view query) {
  auto rows = wrapped(ctx, query, "SELECT count(*) FROM (", ") AS sluice_check");
  if (!rows) return fail(rows.error());
  if (rows->size() != 1 || rows->front().empty())
    return fail(Error::permanent("the count of the query's rows returned no single row"));
  return whole_number(rows->front().front(), "the count of the query's rows");
}

Result<std::vector<TextRow>> CheckQuery::first_rows(const WindowContext& ctx,
                                                    std::string_view query, int limit) {
  return wrapped(ctx, query, "SELECT * FROM (",
                 ") AS sluice_check LIMIT " + std::to_string(std::max(limit, 1)));
}

}  // namespace sluice::adapters
