// ClickHouse runs a SQL pipeline's window without a transaction across statements, so the
// slow part never touches the target: `sql.insert` fills a scratch table of the attempt's
// own (`<table>__sluice_sql_<window>_<run>`, made `AS` the target), the rows are checked to
// be all in the window, and only then is the window replaced:
// - `load_method: replace_partition`: `ALTER TABLE ... REPLACE PARTITION ... FROM` the
//   scratch table, one atomic step (the window must be exactly one partition);
// - `delete_insert` (the default): the window's rows deleted (`sql.delete`, or a DELETE
//   mutation of the window), waited for, then `INSERT ... SELECT` from the scratch table,
//   and the window's count checked.
// "Idempotent per window" on ClickHouse therefore means: a crash during the insert (the long
// part) leaves the target untouched; a crash during delete_insert's short copy can leave the
// window empty or partial, never doubled, and the window is not SUCCESS until a later
// attempt has replaced it whole and the audit has counted it. Scratch tables of earlier
// attempts at the window are dropped first.
//
// ClickHouse 18.16 (Debian 12) has no query parameters: the placeholders become
// toDateTime(<unix seconds>) and toDate('YYYY-MM-DD'), formatted from integers, never from
// configuration text.
#include <fmt/format.h>

#include <date/date.h>

#include "framework/adapters/clickhouse/clickhouse.hpp"
#include "framework/adapters/clickhouse/table_windows.hpp"
#include "framework/adapters/ddl.hpp"
#include "framework/adapters/sql_runner.hpp"
#include "framework/observe/log.hpp"

namespace sluice::adapters::clickhouse {
namespace {

constexpr auto kDialect = sql::Dialect::clickhouse;

}  // namespace

std::function<std::string(sql::Param)> literals(const WindowContext& ctx) {
  return [v = window_values(ctx)](sql::Param p) -> std::string {
    switch (p) {
      case sql::Param::window_start: return datetime_literal(v.start);
      case sql::Param::window_end: return datetime_literal(v.end);
      case sql::Param::target_day: return date::format("toDate('%F')", v.target_day);
    }
    return "NULL";
  };
}

namespace {

std::vector<std::string> lines_of(const std::string& body) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < body.size()) {
    const auto eol = body.find('\n', at);
    out.push_back(body.substr(at, eol - at));
    if (eol == std::string::npos) break;
    at = eol + 1;
  }
  return out;
}

std::string without_spaces(std::string_view type) {
  std::string out;
  for (char c : type)
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') out += c;
  return out;
}

class ClickHouseSqlRunner final : public SqlRunner {
 public:
  explicit ClickHouseSqlRunner(TargetOptions o)
      : options_(std::move(o)),
        session_(options_.connection),
        windows_(session_, options_.table, options_.time_column, options_.partition_expression,
                 options_.mutation_timeout) {}

  Result<std::int64_t> count(const WindowContext& ctx, std::string_view query) override {
    auto scanned = scan_checked(query, kDialect, "sql.count");
    if (!scanned) return fail(scanned.error());
    return session_.count(sql::render(query, *scanned, literals(ctx)), "sql.count", ctx.deadline);
  }

  // The answer is TabSeparated (the HTTP interface's default): the first field of the first
  // line, `\N` for NULL.
  Result<std::optional<std::string>> first_value(const WindowContext& ctx, std::string_view query,
                                                 std::string_view what) override {
    auto scanned = scan_checked(query, kDialect, what);
    if (!scanned) return fail(scanned.error());
    auto body = session_.execute(sql::render(query, *scanned, literals(ctx)), what, ctx.deadline);
    if (!body) return fail(body.error());
    if (body->empty()) return std::optional<std::string>{};
    const std::string first = body->substr(0, body->find_first_of("\t\n"));
    if (first == "\\N") return std::optional<std::string>{};
    return std::optional(first);
  }

  Result<std::int64_t> count_window(const WindowContext& ctx) override {
    return windows_.count(ctx.window, ctx.deadline);
  }

  Result<std::int64_t> run_window(const WindowContext& ctx, const SqlStatements& s) override {
    const std::string scratch = windows_.scratch_table(ctx, "sql_");
    auto insert = into_scratch(s.insert, ctx, scratch);
    if (!insert) return fail(insert.error());
    if (auto r = drop_leftovers(ctx); !r) return fail(r.error());
    const bool replace = options_.method == LoadMethod::replace_partition;
    // Log for delete_insert: written once, read once, and no background merges.
    if (auto r = session_.execute("CREATE TABLE " + scratch + " AS " + windows_.quoted() +
                                      (replace ? "" : " ENGINE = Log"),
                                  "CREATE of the scratch table", ctx.deadline);
        !r)
      return fail(r.error());
    auto rows = fill_and_swap(ctx, s, *insert, scratch);
    // The scratch table goes whatever happened, without the deadline (which may be past).
    if (auto r = windows_.drop(scratch); !r)
      observe::logger("adapter.clickhouse")
          ->warn("{} scratch table {} not dropped (the next attempt drops it): {}",
                 observe::window_context(ctx.pipeline, ctx.window, ctx.run), scratch,
                 r.error().message);
    return rows;
  }

  Result<std::optional<std::vector<TableColumn>>> table_columns(Deadline* deadline) override {
    auto body = session_.execute("SELECT name, type FROM system.columns WHERE database = " +
                                     quote_string(windows_.database()) + " AND table = " +
                                     quote_string(windows_.name()) + " FORMAT TabSeparated",
                                 "columns of " + options_.table, deadline);
    if (!body) return fail(body.error());
    auto exists = session_.count(
        "SELECT count() FROM system.tables WHERE database = " + quote_string(windows_.database()) +
            " AND name = " + quote_string(windows_.name()),
        "table " + options_.table, deadline);
    if (!exists) return fail(exists.error());
    if (*exists == 0) return std::optional<std::vector<TableColumn>>{};
    std::vector<TableColumn> out;
    for (const auto& line : lines_of(*body)) {
      const auto tab = line.find('\t');
      if (tab != std::string::npos)
        out.push_back({line.substr(0, tab), without_spaces(line.substr(tab + 1))});
    }
    return std::optional(std::move(out));
  }

  // ClickHouse names a type as written (`Decimal(10,2)` shown as `Decimal(10, 2)`): types
  // compare without spaces, case and aliases as they are.
  Result<std::vector<std::optional<std::string>>> comparable_types(
      const std::vector<std::string>& written, Deadline*) override {
    std::vector<std::optional<std::string>> out;
    for (const auto& t : written) {
      if (t.empty()) {
        out.emplace_back();
      } else {
        out.emplace_back(without_spaces(t));
      }
    }
    return out;
  }

  Result<void> execute(const std::string& ddl, Deadline* deadline) override {
    if (auto r = session_.execute(ddl, "DDL of " + options_.table, deadline); !r)
      return fail(r.error());
    return {};
  }

  Result<void> drop_table(Deadline* deadline) override {
    if (auto r = windows_.drop(windows_.quoted(), deadline); !r) return fail(r.error());
    return {};
  }

 private:
  // sql.insert into `scratch` instead of the target, with the window's literals in place.
  Result<std::string> into_scratch(const std::string& insert, const WindowContext& ctx,
                                   const std::string& scratch) const {
    if (auto checked = scan_checked(insert, kDialect, "sql.insert"); !checked)
      return fail(checked.error());
    const auto into = sql::insert_target(insert, kDialect);
    if (!into || !sql::names_table(into->parts, options_.table, kDialect))
      return fail(Error::permanent("sql.insert must be INSERT INTO " + options_.table +
                                   " ... (its rows go to a scratch table first)"));
    std::string text = insert;
    text.replace(into->offset, into->length, scratch);
    auto rescanned = scan_checked(text, kDialect, "sql.insert");
    if (!rescanned) return fail(rescanned.error());
    return sql::render(text, *rescanned, literals(ctx));
  }

  Result<std::int64_t> fill_and_swap(const WindowContext& ctx, const SqlStatements& s,
                                     const std::string& insert, const std::string& scratch) {
    if (auto r = session_.execute(insert, "sql.insert", ctx.deadline); !r) return fail(r.error());
    auto rows = session_.count("SELECT count() FROM " + scratch, "count of the scratch table",
                               ctx.deadline);
    if (!rows) return fail(rows.error());
    auto in_window = windows_.count_in(scratch, ctx.window, ctx.deadline);
    if (!in_window) return fail(in_window.error());
    if (*in_window != *rows) return fail(rows_outside_window(options_.table, *rows, *in_window));
    if (options_.method == LoadMethod::replace_partition) {
      auto partition = windows_.window_partition(ctx.window, ctx.deadline);
      if (!partition) return fail(partition.error());
      if (auto r = session_.execute("ALTER TABLE " + windows_.quoted() + " REPLACE PARTITION " +
                                        *partition + " FROM " + scratch,
                                    "REPLACE PARTITION of " + options_.table, ctx.deadline);
          !r)
        return fail(r.error());
    } else {
      if (auto r = remove_window(ctx, s); !r) return fail(r.error());
      auto columns = insertable_columns(ctx.deadline);
      if (!columns) return fail(columns.error());
      if (auto r = session_.execute("INSERT INTO " + windows_.quoted() + " (" + *columns +
                                        ") SELECT " + *columns + " FROM " + scratch,
                                    "INSERT into " + options_.table, ctx.deadline);
          !r)
        return fail(r.error());
    }
    auto held = windows_.count(ctx.window, ctx.deadline);
    if (!held) return fail(held.error());
    if (*held != *rows)
      return fail(Error::retryable(fmt::format(
          "ClickHouse: {} holds {} rows of the window after an insert of {}; the next attempt "
          "replaces it",
          options_.table, *held, *rows)));
    observe::logger("adapter.clickhouse")
        ->debug("{} SQL window: {} rows into {}",
                observe::window_context(ctx.pipeline, ctx.window, ctx.run), *rows, options_.table);
    return *rows;
  }

  Result<void> remove_window(const WindowContext& ctx, const SqlStatements& s) {
    if (!s.remove) return windows_.delete_window(ctx);
    auto scanned = scan_checked(*s.remove, kDialect, "sql.delete");
    if (!scanned) return fail(scanned.error());
    if (auto r = session_.execute(sql::render(*s.remove, *scanned, literals(ctx)), "sql.delete",
                                  ctx.deadline);
        !r)
      return fail(r.error());
    if (auto r = windows_.wait_for_mutations(ctx.deadline); !r) return r;
    return windows_.check_window_empty(ctx, "sql.delete");
  }

  // The columns an INSERT may write (not MATERIALIZED or ALIAS), quoted, in order.
  Result<std::string> insertable_columns(Deadline* deadline) {
    auto body = session_.execute(
        "SELECT name FROM system.columns WHERE database = " + quote_string(windows_.database()) +
            " AND table = " + quote_string(windows_.name()) +
            " AND default_kind NOT IN ('MATERIALIZED', 'ALIAS') "
            "FORMAT TabSeparated",
        "columns of " + options_.table, deadline);
    if (!body) return fail(body.error());
    std::string out;
    for (const auto& name : lines_of(*body))
      if (!name.empty()) out += (out.empty() ? "" : ", ") + quote_name(name);
    if (out.empty())
      return fail(Error::permanent("ClickHouse: " + options_.table + " has no columns"));
    return out;
  }

  // Scratch tables of earlier attempts at this window (a killed worker's, a lost lease's).
  Result<void> drop_leftovers(const WindowContext& ctx) {
    const std::string prefix = fmt::format("{}__sluice_sql_{}_", windows_.name(),
                                           ctx.window.start.time_since_epoch().count());
    auto names = session_.execute(
        "SELECT name FROM system.tables WHERE database = " + quote_string(windows_.database()) +
            " AND startsWith(name, " + quote_string(prefix) + ") FORMAT TabSeparated",
        "scratch tables of the window", ctx.deadline);
    if (!names) return fail(names.error());
    for (const auto& name : lines_of(*names)) {
      if (name.empty()) continue;
      if (auto r = windows_.drop(quote_name(windows_.database() + "." + name), ctx.deadline); !r)
        return fail(r.error());
    }
    return {};
  }

  TargetOptions options_;
  Session session_;
  TableWindows windows_;
};

}  // namespace

std::unique_ptr<SqlRunner> make_sql_runner(TargetOptions options) {
  return std::make_unique<ClickHouseSqlRunner>(std::move(options));
}

}  // namespace sluice::adapters::clickhouse
