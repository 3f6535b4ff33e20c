// ClickHouse as a target: count a window, and replace it (delete + insert, or partition
// replacement; clickhouse.hpp says why each is idempotent), from the stage file or fed while
// the rows are extracted; with computed columns through a rows table (clickhouse.hpp).
#include <chrono>
#include <functional>
#include <random>

#include <fmt/format.h>

#include "framework/adapters/clickhouse/clickhouse.hpp"
#include "framework/adapters/clickhouse/streamed_insert.hpp"
#include "framework/observe/log.hpp"

namespace sluice::adapters::clickhouse {
namespace {

struct TableName {
  std::string database;
  std::string table;
};

TableName split_table(const std::string& qualified, const std::string& default_database) {
  const auto dot = qualified.find('.');
  if (dot == std::string::npos) return {default_database, qualified};
  return {qualified.substr(0, dot), qualified.substr(dot + 1)};
}

class ClickHouseTarget;

// A window's replacement fed while the rows are extracted: the window's old rows were
// removed (delete_insert) or a staging table made (replace_partition) before it was created;
// commit() ends the INSERT and checks the rows it left, and destruction removes them. With
// computed columns the INSERT fills a rows table, and commit() adds them on the way to `into`.
class ClickHouseLoad final : public TargetLoad {
 public:
  ClickHouseLoad(ClickHouseTarget& target, WindowContext ctx, std::string into,
                 std::optional<std::string> partition, std::optional<std::string> rows_table,
                 std::vector<Column> columns, std::unique_ptr<StreamedInsert> insert)
      : target_(target),
        ctx_(std::move(ctx)),
        into_(std::move(into)),
        partition_(std::move(partition)),
        rows_table_(std::move(rows_table)),
        columns_(std::move(columns)),
        insert_(std::move(insert)) {}
  ~ClickHouseLoad() override;

  Result<void> put(std::string_view block) override { return insert_->put(block); }
  Result<void> commit() override;
  std::int64_t rows() const { return insert_->rows(); }

 private:
  // Removes what the load wrote (the window's rows, or the staging table); `e` comes back,
  // with a word on the removal if that failed too. The removal takes no deadline: it is what
  // must still happen once the window's has passed.
  Error undo(Error e);
  Result<void> remove_written();
  // Whether the load may have written into `into_` (rather than only into its rows table).
  bool wrote_into() const { return rows_table_ ? computing_ : insert_->sent(); }

  ClickHouseTarget& target_;
  WindowContext ctx_;
  std::string into_;                       // the target, or the staging table (quoted)
  std::optional<std::string> partition_;   // replace_partition: the window's partition
  std::optional<std::string> rows_table_;  // with computed columns (quoted)
  std::vector<Column> columns_;            // the loaded ones
  std::unique_ptr<StreamedInsert> insert_;
  bool computing_ = false;  // the INSERT ... SELECT of the computed columns was sent
  bool over_ = false;       // committed, or undone by a failed commit
};

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
    return count_in(table_, ctx.window, ctx.deadline);
  }

  Result<std::unique_ptr<TargetLoad>> start_load(const WindowContext& ctx,
                                                 std::span<const Column> columns) override {
    if (auto r = check_computed_names(columns, computed_); !r) return fail(r.error());
    std::string into = table_;
    std::optional<std::string> partition;
    if (options_.method == LoadMethod::replace_partition) {
      auto p = window_partition(ctx.window, ctx.deadline);
      if (!p) return fail(p.error());
      partition = std::move(*p);
      into = scratch_table(ctx, "");
      if (auto r = drop(into, ctx.deadline); !r) return fail(r.error());
      if (auto r = session_.execute("CREATE TABLE " + into + " AS " + table_,
                                    "CREATE of the staging table", ctx.deadline);
          !r)
        return fail(r.error());
    } else if (auto r = delete_window(ctx); !r) {
      return fail(r.error());
    }
    std::optional<std::string> rows_table;
    if (!computed_.empty()) {
      rows_table = scratch_table(ctx, "rows_");
      Result<std::string> made = drop(*rows_table, ctx.deadline);
      if (made)
        made = session_.execute(rows_table_ddl(*rows_table, table_, columns),
                                "CREATE of the rows table", ctx.deadline);
      if (!made) {
        if (partition) (void)drop(into);
        return fail(made.error());
      }
    }
    auto insert = std::make_unique<StreamedInsert>(
        session_, insert_statement(rows_table.value_or(into), columns), columns.size(),
        "INSERT into " + options_.table, query_id(ctx));
    return std::unique_ptr<TargetLoad>(std::make_unique<ClickHouseLoad>(
        *this, ctx, std::move(into), std::move(partition), std::move(rows_table),
        std::vector<Column>(columns.begin(), columns.end()), std::move(insert)));
  }

  Result<std::int64_t> load(const WindowContext& ctx, StageReader& staged) override {
    auto started = start_load(ctx, staged.manifest().columns);
    if (!started) return fail(started.error());
    auto& load = static_cast<ClickHouseLoad&>(**started);
    for (;;) {
      auto block = staged.next_block();
      if (!block) return fail(block.error());
      if (block->empty()) break;
      if (auto r = load.put(*block); !r) return fail(r.error());
    }
    if (auto r = load.commit(); !r) return fail(r.error());
    return load.rows();
  }

 private:
  friend class ClickHouseLoad;

  std::string window_condition(const Window& w) const {
    const std::string col = quote_name(options_.time_column);
    return col + " >= " + datetime_literal(w.start) + " AND " + col + " < " +
           datetime_literal(w.end);
  }

  Result<std::int64_t> count_in(const std::string& table, const Window& w, Deadline* deadline) {
    return session_.count("SELECT count() FROM " + table + " WHERE " + window_condition(w),
                          "count of " + options_.table, deadline);
  }

  std::string insert_statement(const std::string& into, std::span<const Column> columns) const {
    std::string sql = "INSERT INTO " + into + " (";
    for (std::size_t i = 0; i < columns.size(); ++i) {
      sql += (i ? ", " : "") + quote_name(columns[i].name);
    }
    return sql + ") FORMAT TabSeparated";
  }

  // Unique per attempt, so that the attempt's INSERT can be found in system.processes.
  std::string query_id(const WindowContext& ctx) const {
    static thread_local std::mt19937_64 random{std::random_device{}()};
    return fmt::format("sluice-{}-{}-{:016x}", name_.table,
                       ctx.window.start.time_since_epoch().count(), random());
  }

  // Once the INSERT is no longer running, every row it will ever write is written. After its
  // answer it is not; without one (the connection broke) this is the best we can know.
  Result<void> wait_for_insert(const StreamedInsert& insert) {
    return session_.wait_until_none(
        "SELECT count() FROM system.processes WHERE query_id = " + quote_string(insert.query_id()),
        "INSERT(s) into " + options_.table, options_.mutation_timeout);
  }

  // Mutations run in the background; a load goes on only once none is left on the table,
  // so that its window is really empty (and a mutation of an earlier attempt is finished).
  Result<void> wait_for_mutations(Deadline* deadline) {
    return session_.wait_until_none(
        "SELECT count() FROM system.mutations WHERE database = " + quote_string(name_.database) +
            " AND table = " + quote_string(name_.table) + " AND is_done = 0",
        "mutation(s) of " + options_.table, options_.mutation_timeout, deadline);
  }

  Result<void> delete_window(const WindowContext& ctx) {
    auto present = count(ctx);
    if (!present) return fail(present.error());
    if (*present > 0) {
      auto r = session_.execute(
          "ALTER TABLE " + table_ + " DELETE WHERE " + window_condition(ctx.window),
          "DELETE of the window from " + options_.table, ctx.deadline);
      if (!r) return fail(r.error());
    }
    if (auto r = wait_for_mutations(ctx.deadline); !r) return r;
    auto left = count(ctx);
    if (!left) return fail(left.error());
    if (*left != 0) {
      return fail(Error::retryable(
          fmt::format("ClickHouse: {} rows of the window are still in {} after the DELETE", *left,
                      options_.table)));
    }
    return {};
  }

  // A table of one load's own, `<table>__sluice_<role><window>_<run>`: an attempt never
  // reuses another's rows.
  std::string scratch_table(const WindowContext& ctx, std::string_view role) const {
    return quote_name(fmt::format("{}.{}__sluice_{}{}_{:08x}", name_.database, name_.table, role,
                                  ctx.window.start.time_since_epoch().count(),
                                  std::hash<std::string>{}(ctx.run.value) & 0xffffffffu));
  }

  Result<std::string> drop(const std::string& table, Deadline* deadline = nullptr) {
    return session_.execute("DROP TABLE IF EXISTS " + table, "DROP of the staging table", deadline);
  }

  // The literal of the window's partition; an error unless the window is exactly one.
  Result<std::string> window_partition(const Window& w, Deadline* deadline) {
    const std::string col = quote_name(options_.time_column);
    const auto at = [&](Instant t, std::string_view format) {
      return "SELECT " + options_.partition_expression + " FROM (SELECT " + datetime_literal(t) +
             " AS " + col + ") FORMAT " + std::string(format);
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
          format_utc(w.start), format_utc(w.end), options_.table, options_.partition_expression)));
    }
    auto literal = session_.execute(at(w.start, "Values"), "partition of the window", deadline);
    if (!literal) return fail(literal.error());
    return std::move(*literal);
  }

  TargetOptions options_;
  TableName name_;
  std::string table_;  // quoted, qualified
  Session session_;
  std::vector<ComputedColumn> computed_;
};

ClickHouseLoad::~ClickHouseLoad() {
  if (over_) return;
  insert_->abort();
  if (auto r = remove_written(); !r) {
    observe::logger("adapter.clickhouse")
        ->warn(
            "{} abandoned load: removing what it wrote into {} failed (the next attempt "
            "removes it): {}",
            observe::window_context(ctx_.pipeline, ctx_.window, ctx_.run), target_.options_.table,
            r.error().message);
  }
}

Result<void> ClickHouseLoad::remove_written() {
  if (insert_->sent()) {
    if (auto r = target_.wait_for_insert(*insert_); !r) return r;
  }
  if (rows_table_) {
    if (auto r = target_.drop(*rows_table_); !r) return fail(r.error());
  }
  if (partition_) {
    if (auto r = target_.drop(into_); !r) return fail(r.error());
    return {};
  }
  // 18.16 keeps the rows of an INSERT cut short, and a failed one may have written blocks.
  if (!wrote_into()) return {};
  WindowContext unbounded = ctx_;
  unbounded.deadline = nullptr;
  return target_.delete_window(unbounded);
}

Error ClickHouseLoad::undo(Error e) {
  over_ = true;
  if (auto r = remove_written(); !r) {
    e.message +=
        "; removing what it wrote failed too (the next attempt removes it): " + r.error().message;
  }
  return e;
}

Result<void> ClickHouseLoad::commit() {
  if (auto r = insert_->finish(); !r) return fail(undo(r.error()));
  if (rows_table_) {
    computing_ = true;
    if (auto r = target_.session_.execute(
            computed_insert(into_, *rows_table_, columns_, target_.computed_),
            "INSERT into " + target_.options_.table + " with the computed columns " +
                describe(target_.computed_),
            ctx_.deadline);
        !r)
      return fail(undo(r.error()));
  }
  // What ClickHouse holds must be what was sent: anything else (rows of another attempt
  // still running, rows lost) is never left as the window.
  auto held = target_.count_in(into_, ctx_.window, ctx_.deadline);
  if (!held) return fail(undo(held.error()));
  if (*held != rows()) {
    return fail(undo(Error::retryable(
        fmt::format("ClickHouse: {} holds {} rows of the window after an INSERT of {}",
                    target_.options_.table, *held, rows()))));
  }
  if (partition_) {
    if (auto r = target_.session_.execute("ALTER TABLE " + target_.table_ + " REPLACE PARTITION " +
                                              *partition_ + " FROM " + into_,
                                          "REPLACE PARTITION of " + target_.options_.table,
                                          ctx_.deadline);
        !r)
      return fail(undo(r.error()));
    over_ = true;
    if (auto r = target_.drop(into_); !r) return fail(r.error());
  }
  over_ = true;
  if (rows_table_) {
    if (auto r = target_.drop(*rows_table_); !r) return fail(r.error());
  }
  observe::logger("adapter.clickhouse")
      ->debug("{} loaded {} rows into {}",
              observe::window_context(ctx_.pipeline, ctx_.window, ctx_.run), rows(),
              target_.options_.table);
  return {};
}

std::string column_list(std::span<const Column> columns, std::string_view qualifier = {}) {
  std::string out;
  for (const auto& c : columns)
    out += (out.empty() ? "" : ", ") + std::string(qualifier) + quote_name(c.name);
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
