#pragma once
// What both writers of a ClickHouse table's windows (the copy target, target.cpp, and the
// SQL pipeline runner, sql_runner.cpp) do to the table: count a window, delete it (a
// mutation, waited for), find the one partition it must be for a partition replacement, and
// make and drop the scratch tables of one attempt.
#include <chrono>
#include <string>
#include <string_view>

#include "framework/adapters/clickhouse/session.hpp"
#include "framework/adapters/interfaces.hpp"

namespace sluice::adapters::clickhouse {

class TableWindows {
 public:
  // `table` as configured (`table` or `database.table`); `partition_expression` for
  // window_partition() only.
  TableWindows(Session& session, const std::string& table, std::string time_column,
               std::string partition_expression, std::chrono::milliseconds mutation_timeout);

  const std::string& configured() const { return configured_; }  // for messages
  const std::string& quoted() const { return quoted_; }          // quoted and qualified
  const std::string& database() const { return database_; }
  const std::string& name() const { return name_; }

  // `time_column >= toDateTime(start) AND time_column < toDateTime(end)`.
  std::string window_condition(const Window& w) const;
  Result<std::int64_t> count_in(const std::string& table, const Window& w, Deadline* deadline);
  Result<std::int64_t> count(const Window& w, Deadline* deadline) {
    return count_in(quoted_, w, deadline);
  }

  // Mutations run in the background; a load goes on only once none is left on the table.
  Result<void> wait_for_mutations(Deadline* deadline);
  // The window's rows deleted, and checked gone.
  Result<void> delete_window(const WindowContext& ctx);
  // Checks that no row of the window is left (after a delete the operator wrote).
  Result<void> check_window_empty(const WindowContext& ctx, std::string_view after);

  // A table of one attempt's own, `<table>__sluice_<role><window>_<run>`, quoted: an attempt
  // never reuses another's rows.
  std::string scratch_table(const WindowContext& ctx, std::string_view role) const;
  Result<std::string> drop(const std::string& table, Deadline* deadline = nullptr);

  // The literal of the window's partition; an error unless the window is exactly one.
  Result<std::string> window_partition(const Window& w, Deadline* deadline);

 private:
  Session& session_;
  std::string configured_;
  std::string database_;
  std::string name_;
  std::string quoted_;
  std::string time_column_;
  std::string partition_expression_;
  std::chrono::milliseconds mutation_timeout_;
};

}  // namespace sluice::adapters::clickhouse
