#include "framework/adapters/clickhouse/table_windows.hpp"

#include <functional>

#include <fmt/format.h>

namespace sluice::adapters::clickhouse {

TableWindows::TableWindows(Session& session, const std::string& table, std::string time_column,
                           std::string partition_expression,
                           std::chrono::milliseconds mutation_timeout)
    : session_(session),
      configured_(table),
      time_column_(std::move(time_column)),
      partition_expression_(std::move(partition_expression)),
      mutation_timeout_(mutation_timeout) {
  const auto dot = table.find('.');
  database_ = dot == std::string::npos ? session.options().database : table.substr(0, dot);
  name_ = dot == std::string::npos ? table : table.substr(dot + 1);
  quoted_ = quote_name(database_ + "." + name_);
}

std::string TableWindows::window_condition(const Window& w) const {
  const std::string col = quote_name(time_column_);
  return col + " >= " + datetime_literal(w.start) + " AND " + col + " < " + datetime_literal(w.end);
}

Result<std::int64_t> TableWindows::count_in(const std::string& table, const Window& w,
                                            Deadline* deadline) {
  return session_.count("SELECT count() FROM " + table + " WHERE " + window_condition(w),
                        "count of " + configured_, deadline);
}

Result<void> TableWindows::wait_for_mutations(Deadline* deadline) {
  return session_.wait_until_none(
      "SELECT count() FROM system.mutations WHERE database = " + quote_string(database_) +
          " AND table = " + quote_string(name_) + " AND is_done = 0",
      "mutation(s) of " + configured_, mutation_timeout_, deadline);
}

Result<void> TableWindows::check_window_empty(const WindowContext& ctx, std::string_view after) {
  auto left = count(ctx.window, ctx.deadline);
  if (!left) return fail(left.error());
  if (*left != 0) {
    return fail(Error::retryable(fmt::format(
        "ClickHouse: {} rows of the window are still in {} after {}", *left, configured_, after)));
  }
  return {};
}

Result<void> TableWindows::delete_window(const WindowContext& ctx) {
  auto present = count(ctx.window, ctx.deadline);
  if (!present) return fail(present.error());
  if (*present > 0) {
    auto r =
        session_.execute("ALTER TABLE " + quoted_ + " DELETE WHERE " + window_condition(ctx.window),
                         "DELETE of the window from " + configured_, ctx.deadline);
    if (!r) return fail(r.error());
  }
  if (auto r = wait_for_mutations(ctx.deadline); !r) return r;
  return check_window_empty(ctx, "the DELETE");
}

std::string TableWindows::scratch_table(const WindowContext& ctx, std::string_view role) const {
  return quote_name(fmt::format("{}.{}__sluice_{}{}_{:08x}", database_, name_, role,
                                ctx.window.start.time_since_epoch().count(),
                                std::hash<std::string>{}(ctx.run.value) & 0xffffffffu));
}

Result<std::string> TableWindows::drop(const std::string& table, Deadline* deadline) {
  return session_.execute("DROP TABLE IF EXISTS " + table, "DROP of the staging table", deadline);
}

Result<std::string> TableWindows::window_partition(const Window& w, Deadline* deadline) {
  const std::string col = quote_name(time_column_);
  const auto at = [&](Instant t, std::string_view format) {
    return "SELECT " + partition_expression_ + " FROM (SELECT " + datetime_literal(t) + " AS " +
           col + ") FORMAT " + std::string(format);
  };
  std::vector<std::string> ids;
  for (Instant t : {w.start, w.end - Seconds(1), w.start - Seconds(1), w.end}) {
    auto id = session_.execute(at(t, "TabSeparated"), "partition of the window", deadline);
    if (!id) return fail(id.error());
    ids.push_back(std::move(*id));
  }
  if (ids[0] != ids[1] || ids[0] == ids[2] || ids[0] == ids[3]) {
    return fail(Error::permanent(fmt::format(
        "ClickHouse: window [{}, {}) is not exactly one partition of {} for '{}' (load_method "
        "replace_partition needs windows that match the table's partitions)",
        format_utc(w.start), format_utc(w.end), configured_, partition_expression_)));
  }
  auto literal = session_.execute(at(w.start, "Values"), "partition of the window", deadline);
  if (!literal) return fail(literal.error());
  return std::move(*literal);
}

}  // namespace sluice::adapters::clickhouse
