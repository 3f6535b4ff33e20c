#include "framework/adapters/postgres/postgres.hpp"

#include <charconv>

#include "framework/adapters/common_keys.hpp"
#include "framework/adapters/endpoint.hpp"
#include "framework/adapters/postgres/conninfo.hpp"
#include "framework/adapters/postgres/libpq.hpp"
#include "framework/adapters/postgres/load_plan.hpp"
#include "framework/adapters/staged_load.hpp"
#include "framework/observe/log.hpp"

namespace sluice::adapters::postgres {
namespace {

constexpr std::string_view kApplication = "sluice";

std::string bound(const Window& window, bool start, bool literal) {
  if (!literal) return start ? "$1::timestamptz" : "$2::timestamptz";
  return timestamptz_literal(start ? window.start : window.end);
}

constexpr auto kBounds = Connection::ParamType::timestamptz;

std::vector<std::string> window_params(const Window& w) {
  return {format_utc(w.start), format_utc(w.end)};
}

// Several windows in one statement: `expression` (of the window's bounds sluice_w.s and
// sluice_w.e) for each, in the windows' order, and the two arrays of bounds it takes.
std::string each_window(const std::string& expression) {
  return "SELECT " + expression +
         " FROM unnest($1::timestamptz[], $2::timestamptz[]) WITH ORDINALITY "
         "AS sluice_w(s, e, n) ORDER BY sluice_w.n";
}

std::vector<std::string> windows_params(std::span<const Window> windows) {
  std::string starts = "{", ends = "{";
  for (const auto& w : windows) {
    if (starts.size() > 1) {
      starts += ',';
      ends += ',';
    }
    starts += '"' + format_utc(w.start) + '"';
    ends += '"' + format_utc(w.end) + '"';
  }
  return {starts + "}", ends + "}"};
}

// The first column of each row, as each_window returned it; `expected` rows.
Result<std::vector<std::string>> column_of(const PGresult* result, std::size_t expected) {
  if (PQnfields(result) < 1 || static_cast<std::size_t>(PQntuples(result)) != expected)
    return fail(Error::permanent("a query of several windows returned " +
                                 std::to_string(PQntuples(result)) + " rows for " +
                                 std::to_string(expected)));
  std::vector<std::string> out;
  for (int i = 0; i < PQntuples(result); ++i) {
    if (PQgetisnull(result, i, 0))
      return fail(Error::permanent("a query of several windows returned NULL"));
    out.emplace_back(PQgetvalue(result, i, 0));
  }
  return out;
}

std::string time_range(const std::string& column, const std::string& start,
                       const std::string& end) {
  const std::string col = quote_identifier(column);
  return col + " >= " + start + " AND " + col + " < " + end;
}

class PostgresSource final : public Source {
 public:
  explicit PostgresSource(SourceOptions o)
      : options_(std::move(o)), pool_(options_.conninfo, std::string(kApplication)) {}

  Result<std::int64_t> count(const WindowContext& ctx) override {
    auto conn = pool_.acquire(ctx.deadline);
    if (!conn) return fail(conn.error());
    return (*conn)->exec_count(
        "SELECT count(*) FROM (" + window_select(options_, ctx.window, false) + ") AS w",
        window_params(ctx.window), kBounds);
  }

  Result<bool> has_rows(const WindowContext& ctx) override {
    auto conn = pool_.acquire(ctx.deadline);
    if (!conn) return fail(conn.error());
    auto n = (*conn)->exec_count("SELECT count(*) FROM (SELECT 1 FROM (" +
                                     window_select(options_, ctx.window, false) +
                                     ") AS w LIMIT 1) AS one",
                                 window_params(ctx.window), kBounds);
    if (!n) return fail(n.error());
    return *n > 0;
  }

  // A query's placeholders would become references to the windows' row inside SQL sluice
  // does not know: a table's windows only.
  bool answers_windows_together() const override { return !options_.query; }

  Result<std::vector<bool>> has_rows_each(const WindowContext& ctx,
                                          std::span<const Window> windows) override {
    if (options_.query) return Source::has_rows_each(ctx, windows);
    auto conn = pool_.acquire(ctx.deadline);
    if (!conn) return fail(conn.error());
    auto r = (*conn)->exec(
        each_window("EXISTS (SELECT 1 FROM " + quote_qualified(options_.table.value_or("")) +
                    " WHERE " + time_range(options_.time_column, "sluice_w.s", "sluice_w.e") + ")"),
        windows_params(windows));
    if (!r) return fail(r.error());
    auto values = column_of(r->get(), windows.size());
    if (!values) return fail(values.error());
    std::vector<bool> out;
    for (const auto& v : *values) out.push_back(v == "t");
    return out;
  }

  Result<std::int64_t> extract(const WindowContext& ctx, RowSink& sink) override {
    auto conn = pool_.acquire(ctx.deadline);
    if (!conn) return fail(conn.error());
    const std::string select = window_select(options_, ctx.window, true);
    // The column names come from a zero-row run of the same statement.
    auto described = (*conn)->exec("SELECT * FROM (" + select + ") AS w LIMIT 0");
    if (!described) return fail(described.error());
    std::vector<Column> columns;
    columns.reserve(static_cast<std::size_t>(PQnfields(described->get())));
    for (int i = 0; i < PQnfields(described->get()); ++i)
      columns.push_back(Column{PQfname(described->get(), i)});
    if (auto r = sink.begin(columns); !r) return fail(r.error());
    auto rows = (*conn)->copy_out(
        "COPY (" + select + ") TO STDOUT",
        [&](std::string_view block, std::int64_t n) { return sink.copy_block(block, n); });
    if (!rows) return rows;
    if (auto r = sink.end(); !r) return fail(r.error());
    observe::logger("adapter.postgres")
        ->debug("{} extracted {} rows", observe::window_context(ctx.pipeline, ctx.window, ctx.run),
                *rows);
    return rows;
  }

 private:
  SourceOptions options_;
  ConnectionPool pool_;
};

// One window's load in one transaction: BEGIN, the window's advisory lock, DELETE of the
// window (replace_window), COPY of the new rows (and, through a temporary table, the INSERT
// ... SELECT of load_plan.hpp), COMMIT. Until commit() nothing of it is visible; ending it
// any other way aborts the COPY, and the connection, left inside a failed transaction, is
// closed rather than pooled, which rolls everything back.
class PostgresLoad final : public TargetLoad {
 public:
  PostgresLoad(ConnectionPool::Lease connection, LoadPlan plan,
               std::vector<ComputedColumn> computed, std::string table,
               std::vector<std::string> key)
      : conn_(std::move(connection)),
        plan_(std::move(plan)),
        computed_(std::move(computed)),
        table_(std::move(table)),
        key_(std::move(key)) {}
  ~PostgresLoad() override {
    if (copying_) conn_->copy_in_abort("load abandoned");
  }

  Result<void> put(std::string_view block) override { return conn_->copy_in_put(block); }

  Result<void> commit() override {
    copying_ = false;
    auto copied = conn_->copy_in_end();
    if (!copied) return fail(copied.error());
    reported_ = *copied;
    if (plan_.upserts()) {
      auto without = conn_->exec_count(plan_.null_keys, {});
      if (!without) return fail(without.error());
      if (*without > 0)
        return fail(Error::permanent(
            "upsert into " + table_ + ": " + std::to_string(*without) +
            " row(s) of the window have a NULL in the key, which no row would match: each run "
            "would add them again"));
    }
    if (plan_.through_temporary()) {
      ServerError said;
      auto inserted = conn_->exec(plan_.insert, {}, &said);
      if (!inserted)
        return fail(said.sqlstate.empty() ? inserted.error()
                                          : insert_error(plan_, computed_, table_, said, key_));
      // The temporary table took every row; the table, those the INSERT says it wrote.
      auto n = command_rows(inserted->get());
      if (!n) return fail(n.error());
      reported_ = *n;
    }
    if (plan_.upserts()) {
      auto held = conn_->exec_count(plan_.held, {});
      if (!held) return fail(held.error());
      held_ = *held;
    }
    if (auto r = conn_->exec("COMMIT"); !r) return fail(r.error());
    return {};
  }

  std::optional<std::int64_t> held() const override { return held_; }
  // Counted by the server as it wrote: a row a BEFORE INSERT trigger dropped is not in it.
  std::optional<std::int64_t> reported() const override { return reported_; }

 private:
  ConnectionPool::Lease conn_;
  LoadPlan plan_;
  // For the messages of a failed INSERT.
  std::vector<ComputedColumn> computed_;
  std::string table_;
  std::vector<std::string> key_;
  bool copying_ = true;
  std::optional<std::int64_t> held_;
  std::optional<std::int64_t> reported_;
};

class PostgresTarget final : public Target {
 public:
  explicit PostgresTarget(TargetOptions o)
      : options_(std::move(o)), pool_(options_.conninfo, std::string(kApplication)) {}

  Result<void> compute_columns(std::vector<ComputedColumn> columns) override {
    computed_ = std::move(columns);
    return {};
  }

  LoadMode mode() const override { return options_.load.mode; }

  Result<std::int64_t> count(const WindowContext& ctx) override {
    auto conn = pool_.acquire(ctx.deadline);
    if (!conn) return fail(conn.error());
    return (*conn)->exec_count(
        "SELECT count(*) FROM " + quote_qualified(options_.table) + " WHERE " + window_condition(),
        window_params(ctx.window), kBounds);
  }

  bool answers_windows_together() const override { return true; }

  Result<std::vector<std::int64_t>> count_each(const WindowContext& ctx,
                                               std::span<const Window> windows) override {
    auto conn = pool_.acquire(ctx.deadline);
    if (!conn) return fail(conn.error());
    auto r = (*conn)->exec(
        each_window("(SELECT count(*) FROM " + quote_qualified(options_.table) + " WHERE " +
                    time_range(options_.time_column, "sluice_w.s", "sluice_w.e") + ")"),
        windows_params(windows));
    if (!r) return fail(r.error());
    auto values = column_of(r->get(), windows.size());
    if (!values) return fail(values.error());
    std::vector<std::int64_t> out;
    for (const auto& v : *values) {
      std::int64_t n = 0;
      if (std::from_chars(v.data(), v.data() + v.size(), n).ptr != v.data() + v.size())
        return fail(Error::permanent("count query returned '" + v + "', not a number"));
      out.push_back(n);
    }
    return out;
  }

  Result<std::unique_ptr<TargetLoad>> start_load(const WindowContext& ctx,
                                                 std::span<const Column> columns) override {
    auto plan =
        plan_load(options_.table, columns, computed_, options_.load.mode, options_.load.key);
    if (!plan) return fail(plan.error());
    auto conn = pool_.acquire(ctx.deadline);
    if (!conn) return fail(conn.error());
    if (auto r = (*conn)->exec("BEGIN"); !r) return fail(r.error());
    // Loads of one window are serialised on the target: should a worker that lost its lease
    // still be loading, the second DELETE waits for it and removes its rows, so the window
    // never holds two copies (an append's second load waits, then adds its rows).
    if (auto r =
            (*conn)->exec("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                          {"sluice.load." + options_.table + "." + format_utc(ctx.window.start)});
        !r)
      return fail(r.error());
    if (options_.load.mode == LoadMode::replace_window) {
      if (auto r = (*conn)->exec(
              "DELETE FROM " + quote_qualified(options_.table) + " WHERE " + window_condition(),
              window_params(ctx.window), nullptr, kBounds);
          !r)
        return fail(r.error());
    }
    if (plan->through_temporary()) {
      if (auto r = (*conn)->exec(plan->create_temporary); !r) return fail(r.error());
    }
    if (auto r = (*conn)->copy_in_start(plan->copy); !r) return fail(r.error());
    return std::unique_ptr<TargetLoad>(std::make_unique<PostgresLoad>(
        std::move(*conn), std::move(*plan), computed_, options_.table, options_.load.key));
  }

  Result<Loaded> load(const WindowContext& ctx, StageReader& staged) override {
    return load_from_stage(*this, ctx, staged);
  }

 private:
  std::string window_condition() const {
    return time_range(options_.time_column, "$1::timestamptz", "$2::timestamptz");
  }

  TargetOptions options_;
  ConnectionPool pool_;
  std::vector<ComputedColumn> computed_;
};

std::string replace_all(std::string text, std::string_view from, const std::string& to) {
  for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size()))
    text.replace(pos, from.size(), to);
  return text;
}

}  // namespace

std::string window_select(const SourceOptions& o, const Window& window, bool literal) {
  if (o.query) {
    return replace_all(replace_all(*o.query, "{window_start}", bound(window, true, literal)),
                       "{window_end}", bound(window, false, literal));
  }
  return "SELECT * FROM " + quote_qualified(o.table.value_or("")) + " WHERE " +
         time_range(o.time_column, bound(window, true, literal), bound(window, false, literal));
}

Result<std::unique_ptr<Source>> source_from_config(const adapters::ConnectionConfig& connection,
                                                   const adapters::EndpointConfig& source) {
  auto conninfo = resolved_conninfo(connection);
  if (!conninfo) return fail(conninfo.error());
  auto s = config::bind(sql_source_binding(), source.params);
  return make_source({*conninfo, std::move(s.query), std::move(s.table), std::move(s.time_column)});
}

Result<std::unique_ptr<Target>> target_from_config(const adapters::ConnectionConfig& connection,
                                                   const adapters::EndpointConfig& target) {
  auto conninfo = resolved_conninfo(connection);
  if (!conninfo) return fail(conninfo.error());
  auto t = config::bind(sql_target_binding(), target.params);
  return make_target(
      {*conninfo, std::move(t.table), std::move(t.time_column), load_settings(target.params)});
}

std::unique_ptr<Source> make_source(SourceOptions options) {
  return std::make_unique<PostgresSource>(std::move(options));
}

std::unique_ptr<Target> make_target(TargetOptions options) {
  return std::make_unique<PostgresTarget>(std::move(options));
}

}  // namespace sluice::adapters::postgres
