// ClickHouse as a target: count a window, and replace it (delete + insert, or partition
// replacement; clickhouse.hpp says why each is idempotent).
#include <chrono>
#include <functional>
#include <thread>

#include <fmt/format.h>

#include "framework/adapters/clickhouse/clickhouse.hpp"
#include "framework/observe/log.hpp"

namespace sluice::adapters::clickhouse {
namespace {

using namespace std::chrono_literals;

struct TableName {
  std::string database;
  std::string table;
};

TableName split_table(const std::string& qualified, const std::string& default_database) {
  const auto dot = qualified.find('.');
  if (dot == std::string::npos) return {default_database, qualified};
  return {qualified.substr(0, dot), qualified.substr(dot + 1)};
}

class ClickHouseTarget final : public Target {
 public:
  explicit ClickHouseTarget(TargetOptions o)
      : options_(std::move(o)),
        name_(split_table(options_.table, options_.connection.database)),
        table_(quote_name(name_.database + "." + name_.table)),
        session_(options_.connection) {}

  Result<void> compute_columns(std::vector<ComputedColumn> columns) override {
    computed_ = std::move(columns);
    return {};
  }

  Result<std::int64_t> count(const WindowContext& ctx) override {
    return session_.count(
        "SELECT count() FROM " + table_ + " WHERE " + window_condition(ctx.window),
        "count of " + options_.table);
  }

  Result<std::int64_t> load(const WindowContext& ctx, StageReader& staged) override {
    auto r = options_.method == LoadMethod::replace_partition ? replace_partition(ctx, staged)
                                                              : delete_insert(ctx, staged);
    if (!r) return fail(r.error());
    observe::logger("adapter.clickhouse")
        ->debug("{} loaded {} rows into {}",
                observe::window_context(ctx.pipeline, ctx.window, ctx.run), staged.manifest().rows,
                options_.table);
    return staged.manifest().rows;
  }

 private:
  std::string window_condition(const Window& w) const {
    const std::string col = quote_name(options_.time_column);
    return col + " >= " + datetime_literal(w.start) + " AND " + col + " < " +
           datetime_literal(w.end);
  }

  std::string insert_statement(const std::string& into, const Manifest& manifest) const {
    std::string sql = "INSERT INTO " + into + " (";
    for (std::size_t i = 0; i < manifest.columns.size(); ++i) {
      sql += (i ? ", " : "") + quote_name(manifest.columns[i].name);
    }
    return sql + ") FORMAT TabSeparated";
  }

  Result<void> insert(const std::string& into, StageReader& staged) {
    return session_.insert(
        insert_statement(into, staged.manifest()), [&] { return staged.next_block(); },
        "INSERT into " + options_.table);
  }

  // A table of one load's own, `<table>__sluice_<role><window>_<run>`: an attempt never
  // reuses another's rows.
  std::string scratch_table(const WindowContext& ctx, std::string_view role) const {
    return quote_name(fmt::format("{}.{}__sluice_{}{}_{:08x}", name_.database, name_.table, role,
                                  ctx.window.start.time_since_epoch().count(),
                                  std::hash<std::string>{}(ctx.run.value) & 0xffffffffu));
  }

  // The staged rows into `into`, with the computed columns evaluated on the way when there
  // are any (clickhouse.hpp).
  Result<void> insert_rows(const WindowContext& ctx, const std::string& into, StageReader& staged) {
    if (computed_.empty()) return insert(into, staged);
    const auto& loaded = staged.manifest().columns;
    if (auto r = check_computed_names(loaded, computed_); !r) return r;
    const std::string rows = scratch_table(ctx, "rows_");
    auto drop = [&] {
      return session_.execute("DROP TABLE IF EXISTS " + rows, "DROP of the rows table");
    };
    if (auto r = drop(); !r) return fail(r.error());
    Result<void> done;
    if (auto r = session_.execute(rows_table_ddl(rows, table_, loaded), "CREATE of the rows table");
        !r) {
      done = fail(r.error());
    } else if (auto in = insert(rows, staged); !in) {
      done = in;
    } else if (auto r = session_.execute(computed_insert(into, rows, loaded, computed_),
                                         "INSERT into " + options_.table +
                                             " with the computed columns " + describe(computed_));
               !r) {
      done = fail(r.error());
    }
    auto dropped = drop();
    if (!done) return done;
    if (!dropped) return fail(dropped.error());
    return {};
  }

  // Mutations run in the background; a load goes on only once none is left on the table,
  // so that its window is really empty (and a mutation of an earlier attempt is finished).
  Result<void> wait_for_mutations() {
    const std::string sql =
        "SELECT count() FROM system.mutations WHERE database = " + quote_string(name_.database) +
        " AND table = " + quote_string(name_.table) + " AND is_done = 0";
    const auto deadline = std::chrono::steady_clock::now() + options_.mutation_timeout;
    auto pause = 20ms;
    for (;;) {
      auto running = session_.count(sql, "mutations of " + options_.table);
      if (!running) return fail(running.error());
      if (*running == 0) return {};
      if (std::chrono::steady_clock::now() >= deadline) {
        return fail(Error::retryable(fmt::format(
            "ClickHouse: {} mutation(s) of {} still running after {}s", *running, options_.table,
            std::chrono::duration_cast<std::chrono::seconds>(options_.mutation_timeout).count())));
      }
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, std::chrono::milliseconds(500));
    }
  }

  Result<void> delete_window(const WindowContext& ctx) {
    auto present = count(ctx);
    if (!present) return fail(present.error());
    if (*present > 0) {
      auto r = session_.execute(
          "ALTER TABLE " + table_ + " DELETE WHERE " + window_condition(ctx.window),
          "DELETE of the window from " + options_.table);
      if (!r) return fail(r.error());
    }
    if (auto r = wait_for_mutations(); !r) return r;
    auto left = count(ctx);
    if (!left) return fail(left.error());
    if (*left != 0) {
      return fail(Error::retryable(
          fmt::format("ClickHouse: {} rows of the window are still in {} after the DELETE", *left,
                      options_.table)));
    }
    return {};
  }

  Result<void> delete_insert(const WindowContext& ctx, StageReader& staged) {
    if (auto r = delete_window(ctx); !r) return r;
    auto inserted = insert_rows(ctx, table_, staged);
    if (inserted) return {};
    // ClickHouse commits an INSERT block by block: a failure may leave part of the window.
    Error e = inserted.error();
    if (auto cleared = delete_window(ctx); !cleared) {
      e.message +=
          "; removing the partly inserted rows failed too (the next attempt removes them): " +
          cleared.error().message;
    }
    return fail(std::move(e));
  }

  // The literal of the window's partition; an error unless the window is exactly one.
  Result<std::string> window_partition(const Window& w) {
    const std::string col = quote_name(options_.time_column);
    const auto at = [&](Instant t, std::string_view format) {
      return "SELECT " + options_.partition_expression + " FROM (SELECT " + datetime_literal(t) +
             " AS " + col + ") FORMAT " + std::string(format);
    };
    std::vector<std::string> ids;
    for (Instant t : {w.start, w.end - Seconds(1), w.start - Seconds(1), w.end}) {
      auto id = session_.execute(at(t, "TabSeparated"), "partition of the window");
      if (!id) return fail(id.error());
      ids.push_back(std::move(*id));
    }
    if (ids[0] != ids[1] || ids[0] == ids[2] || ids[0] == ids[3]) {
      return fail(Error::permanent(fmt::format(
          "ClickHouse: window [{}, {}) is not exactly one partition of {} for '{}' (load_method "
          "replace_partition needs windows that match the table's partitions)",
          format_utc(w.start), format_utc(w.end), options_.table, options_.partition_expression)));
    }
    auto literal = session_.execute(at(w.start, "Values"), "partition of the window");
    if (!literal) return fail(literal.error());
    return std::move(*literal);
  }

  Result<void> replace_partition(const WindowContext& ctx, StageReader& staged) {
    auto partition = window_partition(ctx.window);
    if (!partition) return fail(partition.error());
    const std::string staging = scratch_table(ctx, "");
    auto drop = [&] {
      return session_.execute("DROP TABLE IF EXISTS " + staging, "DROP of the staging table");
    };
    if (auto r = drop(); !r) return fail(r.error());
    if (auto r = session_.execute("CREATE TABLE " + staging + " AS " + table_,
                                  "CREATE of the staging table");
        !r)
      return fail(r.error());
    Result<std::string> done = insert_rows(ctx, staging, staged).and_then([&](auto&&...) {
      return session_.execute(
          "ALTER TABLE " + table_ + " REPLACE PARTITION " + *partition + " FROM " + staging,
          "REPLACE PARTITION of " + options_.table);
    });
    auto dropped = drop();
    if (!done) return fail(done.error());
    if (!dropped) return fail(dropped.error());
    return {};
  }

  TargetOptions options_;
  TableName name_;
  std::string table_;  // quoted, qualified
  Session session_;
  std::vector<ComputedColumn> computed_;
};

std::string column_list(std::span<const Column> columns, std::string_view qualifier = {}) {
  std::string out;
  for (const auto& c : columns) out += (out.empty() ? "" : ", ") + std::string(qualifier) + quote_name(c.name);
  return out;
}

}  // namespace

std::string rows_table_ddl(std::string_view rows, std::string_view target,
                           std::span<const Column> loaded) {
  return "CREATE TABLE " + std::string(rows) + " ENGINE = Log AS SELECT " + column_list(loaded) +
         " FROM " + std::string(target) + " WHERE 0";
}

std::string computed_insert(std::string_view into, std::string_view rows,
                            std::span<const Column> loaded,
                            std::span<const ComputedColumn> computed) {
  std::string names = column_list(loaded), values = column_list(loaded, "loaded.");
  for (const auto& c : computed) {
    names += ", " + quote_name(c.name);
    // The newline keeps the closing parenthesis out of a trailing comment.
    values += ", (" + c.sql + "\n)";
  }
  return "INSERT INTO " + std::string(into) + " (" + names + ") SELECT " + values + " FROM " +
         std::string(rows) + " AS loaded";
}

std::unique_ptr<Target> make_target(TargetOptions options) {
  return std::make_unique<ClickHouseTarget>(std::move(options));
}

}  // namespace sluice::adapters::clickhouse
