// ClickHouse as a target: count a window, and replace it (delete + insert, or partition
// replacement; clickhouse.hpp says why each is idempotent), from the stage file or fed while
// the rows are extracted; with computed columns through a rows table (clickhouse.hpp).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <random>

#include <fmt/format.h>

#include "framework/adapters/clickhouse/clickhouse.hpp"
#include "framework/adapters/clickhouse/streamed_insert.hpp"
#include "framework/adapters/clickhouse/table_windows.hpp"
#include "framework/adapters/staged_load.hpp"
#include "framework/observe/log.hpp"

namespace sluice::adapters::clickhouse {
namespace {

class ClickHouseTarget;

// A window's replacement fed while the rows are extracted: the window's old rows were
// removed (delete_insert) or a staging table made (replace_partition) before it was created;
// commit() ends the INSERT and checks the rows it left, and destruction removes them. With
// computed columns the INSERT fills a rows table, and commit() adds them on the way to `into`.
class ClickHouseLoad final : public TargetLoad {
 public:
  ClickHouseLoad(ClickHouseTarget& target, WindowContext ctx, std::string into,
                 std::optional<std::string> partition, std::optional<std::string> rows_table,
                 std::vector<Column> columns, std::unique_ptr<StreamedInsert> insert, bool upsert)
      : target_(target),
        ctx_(std::move(ctx)),
        into_(std::move(into)),
        partition_(std::move(partition)),
        rows_table_(std::move(rows_table)),
        columns_(std::move(columns)),
        insert_(std::move(insert)),
        upsert_(upsert) {}
  ~ClickHouseLoad() override;

  Result<void> put(std::string_view block) override { return insert_->put(block); }
  Result<void> commit() override;
  std::int64_t rows() const { return insert_->rows(); }
  std::optional<std::int64_t> held() const override { return held_; }

 private:
  // An upsert's commit, once the rows table holds the rows (clickhouse.hpp).
  Result<void> commit_upsert();
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
  const bool upsert_;
  std::optional<std::int64_t> held_;
};

class ClickHouseTarget final : public Target {
 public:
  explicit ClickHouseTarget(TargetOptions o)
      : options_(std::move(o)),
        session_(options_.connection),
        windows_(session_, options_.table, options_.time_column, options_.partition_expression,
                 options_.mutation_timeout) {}

  Result<void> compute_columns(std::vector<ComputedColumn> columns) override {
    computed_ = std::move(columns);
    return {};
  }

  LoadMode mode() const override { return options_.load.mode; }

  // An upsert's window is read as its readers see it: one row per key (FINAL, which only a
  // ReplacingMergeTree has: the table is checked first).
  Result<std::int64_t> count(const WindowContext& ctx) override {
    if (!upsert()) return windows_.count(ctx.window, ctx.deadline);
    if (!replacing_.load()) {
      if (auto r = check_replacing(ctx.deadline); !r) return fail(r.error());
    }
    return session_.count("SELECT count() FROM " + windows_.quoted() + " FINAL WHERE " +
                              windows_.window_condition(ctx.window),
                          "count of " + options_.table, ctx.deadline);
  }

  Result<std::unique_ptr<TargetLoad>> start_load(const WindowContext& ctx,
                                                 std::span<const Column> columns) override {
    if (auto r = check_computed_names(columns, computed_); !r) return fail(r.error());
    if (upsert()) {
      if (auto r = check_key_loaded(options_.load.key, columns); !r) return fail(r.error());
      if (auto r = check_replacing(ctx.deadline); !r) return fail(r.error());
    }
    std::string into = windows_.quoted();
    std::optional<std::string> partition;
    if (upsert()) {
      // Nothing is removed: the rows replace their keys' older versions.
    } else if (options_.method == LoadMethod::replace_partition) {
      auto p = windows_.window_partition(ctx.window, ctx.deadline);
      if (!p) return fail(p.error());
      partition = std::move(*p);
      into = windows_.scratch_table(ctx, "");
      if (auto r = windows_.drop(into, ctx.deadline); !r) return fail(r.error());
      if (auto r = session_.execute("CREATE TABLE " + into + " AS " + windows_.quoted(),
                                    "CREATE of the staging table", ctx.deadline);
          !r)
        return fail(r.error());
    } else if (auto r = windows_.delete_window(ctx); !r) {
      return fail(r.error());
    }
    std::optional<std::string> rows_table;
    if (!computed_.empty() || upsert()) {
      rows_table = windows_.scratch_table(ctx, "rows_");
      Result<std::string> made = windows_.drop(*rows_table, ctx.deadline);
      if (made)
        made = session_.execute(rows_table_ddl(*rows_table, windows_.quoted(), columns),
                                "CREATE of the rows table", ctx.deadline);
      if (!made) {
        if (partition) (void)windows_.drop(into);
        return fail(made.error());
      }
    }
    auto insert = std::make_unique<StreamedInsert>(
        session_, insert_statement(rows_table.value_or(into), columns), columns.size(),
        "INSERT into " + options_.table, query_id(ctx));
    return std::unique_ptr<TargetLoad>(std::make_unique<ClickHouseLoad>(
        *this, ctx, std::move(into), std::move(partition), std::move(rows_table),
        std::vector<Column>(columns.begin(), columns.end()), std::move(insert), upsert()));
  }

  Result<Loaded> load(const WindowContext& ctx, StageReader& staged) override {
    return load_from_stage(*this, ctx, staged);
  }

 private:
  friend class ClickHouseLoad;

  bool upsert() const { return options_.load.mode == LoadMode::upsert; }

  // `(a, b)`: the key's columns, quoted.
  std::string key_tuple() const {
    std::string out;
    for (const auto& k : options_.load.key) out += (out.empty() ? "" : ", ") + quote_name(k);
    return "(" + out + ")";
  }

  // An upsert needs the table to keep one row per key: a ReplacingMergeTree (of any kind)
  // whose sorting key is the `key` columns.
  Result<void> check_replacing(Deadline* deadline) {
    auto said = session_.execute("SELECT engine, sorting_key FROM system.tables WHERE database = " +
                                     quote_string(windows_.database()) + " AND name = " +
                                     quote_string(windows_.name()) + " FORMAT TabSeparated",
                                 "engine of " + options_.table, deadline);
    if (!said) return fail(said.error());
    const std::string line = said->substr(0, said->find('\n'));
    if (line.empty())
      return fail(Error::permanent("ClickHouse: table " + options_.table + " does not exist"));
    const auto tab = line.find('\t');
    const std::string engine = line.substr(0, tab);
    const std::string sorting = tab == std::string::npos ? "" : line.substr(tab + 1);
    std::vector<std::string> order, key = options_.load.key;
    for (std::size_t at = 0; at <= sorting.size() && !sorting.empty();) {
      const auto comma = sorting.find(", ", at);
      order.push_back(sorting.substr(at, comma - at));
      if (comma == std::string::npos) break;
      at = comma + 2;
    }
    std::sort(order.begin(), order.end());
    std::sort(key.begin(), key.end());
    if (engine.ends_with("ReplacingMergeTree") && order == key) {
      replacing_.store(true);
      return {};
    }
    return fail(Error::permanent("ClickHouse: upsert into " + options_.table +
                                 " needs a ReplacingMergeTree table ordered by exactly " +
                                 key_tuple() + "; it is " + engine +
                                 (sorting.empty() ? "" : " ORDER BY (" + sorting + ")")));
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
    return fmt::format("sluice-{}-{}-{:016x}", windows_.name(),
                       ctx.window.start.time_since_epoch().count(), random());
  }

  // Once the INSERT is no longer running, every row it will ever write is written. After its
  // answer it is not; without one (the connection broke) this is the best we can know.
  Result<void> wait_for_insert(const StreamedInsert& insert) {
    return session_.wait_until_none(
        "SELECT count() FROM system.processes WHERE query_id = " + quote_string(insert.query_id()),
        "INSERT(s) into " + options_.table, options_.mutation_timeout);
  }

  TargetOptions options_;
  Session session_;
  TableWindows windows_;
  std::vector<ComputedColumn> computed_;
  // check_replacing() passed once: counts need not ask again (a load always does).
  std::atomic<bool> replacing_{false};
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
    if (auto r = target_.windows_.drop(*rows_table_); !r) return fail(r.error());
  }
  // Rows an upsert moved stay: they are the window's, and its next attempt replaces them.
  if (upsert_) return {};
  if (partition_) {
    if (auto r = target_.windows_.drop(into_); !r) return fail(r.error());
    return {};
  }
  // 18.16 keeps the rows of an INSERT cut short, and a failed one may have written blocks.
  if (!wrote_into()) return {};
  WindowContext unbounded = ctx_;
  unbounded.deadline = nullptr;
  return target_.windows_.delete_window(unbounded);
}

Error ClickHouseLoad::undo(Error e) {
  over_ = true;
  if (auto r = remove_written(); !r) {
    e.message +=
        "; removing what it wrote failed too (the next attempt removes it): " + r.error().message;
  }
  return e;
}

Result<void> ClickHouseLoad::commit_upsert() {
  auto& session = target_.session_;
  const std::string& table = target_.options_.table;
  const std::string key = target_.key_tuple();
  auto held = session.count("SELECT count() FROM " + *rows_table_, "count of the rows table",
                            ctx_.deadline);
  if (!held) return fail(undo(held.error()));
  if (*held != rows())
    return fail(undo(Error::retryable(
        fmt::format("ClickHouse: the rows table of {} holds {} rows after an INSERT of {}", table,
                    *held, rows()))));
  const std::string columns = key.substr(1, key.size() - 2);
  auto repeated = session.count("SELECT count() FROM (SELECT 1 FROM " + *rows_table_ +
                                    " GROUP BY " + columns + " HAVING count() > 1)",
                                "keys held twice", ctx_.deadline);
  if (!repeated) return fail(undo(repeated.error()));
  if (*repeated > 0)
    return fail(undo(Error::permanent(fmt::format(
        "ClickHouse: upsert into {}: {} key(s) are held by more than one row of the window, and "
        "which of them should stay is not known",
        table, *repeated))));
  computing_ = true;
  if (auto r = session.execute(computed_insert(into_, *rows_table_, columns_, target_.computed_),
                               "upsert into " + table, ctx_.deadline);
      !r)
    return fail(undo(r.error()));
  held = session.count("SELECT count() FROM " + into_ + " FINAL WHERE " + key + " IN (SELECT " +
                           columns + " FROM " + *rows_table_ + ")",
                       "count of the window's keys in " + table, ctx_.deadline);
  if (!held) return fail(undo(held.error()));
  held_ = *held;
  over_ = true;
  if (auto r = target_.windows_.drop(*rows_table_); !r) return fail(r.error());
  return {};
}

Result<void> ClickHouseLoad::commit() {
  if (auto r = insert_->finish(); !r) return fail(undo(r.error()));
  if (upsert_) return commit_upsert();
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
  auto held = target_.windows_.count_in(into_, ctx_.window, ctx_.deadline);
  if (!held) return fail(undo(held.error()));
  if (*held != rows()) {
    return fail(undo(Error::retryable(
        fmt::format("ClickHouse: {} holds {} rows of the window after an INSERT of {}",
                    target_.options_.table, *held, rows()))));
  }
  if (partition_) {
    if (auto r = target_.session_.execute(
            "ALTER TABLE " + target_.windows_.quoted() + " REPLACE PARTITION " + *partition_ +
                " FROM " + into_,
            "REPLACE PARTITION of " + target_.options_.table, ctx_.deadline);
        !r)
      return fail(undo(r.error()));
    over_ = true;
    if (auto r = target_.windows_.drop(into_); !r) return fail(r.error());
  }
  over_ = true;
  if (rows_table_) {
    if (auto r = target_.windows_.drop(*rows_table_); !r) return fail(r.error());
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
