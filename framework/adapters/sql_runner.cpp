#include "framework/adapters/sql_runner.hpp"

#include <fmt/format.h>

#include "framework/time/window_generator.hpp"

namespace sluice::adapters {

sql::WindowValues window_values(const WindowContext& ctx) {
  const time::Zone zone = ctx.zone ? ctx.zone : time::utc_zone();
  return {ctx.window.start, ctx.window.end, time::target_day(ctx.window, zone)};
}

Result<sql::Scanned> scan_checked(std::string_view statement, sql::Dialect dialect,
                                  std::string_view what) {
  auto scanned = sql::scan(statement, dialect);
  if (!scanned.problems.empty())
    return fail(
        Error::permanent(fmt::format("{}: {} (at byte {})", what, scanned.problems.front().message,
                                     scanned.problems.front().offset + 1)));
  return scanned;
}

Error rows_outside_window(std::string_view table, std::int64_t inserted, std::int64_t held) {
  return Error::integrity(fmt::format(
      "the insert wrote {} rows but {} holds {} in the window: rows outside the window (or an "
      "insert into another table) would survive the next run's delete; nothing was kept",
      inserted, table, held));
}

}  // namespace sluice::adapters
