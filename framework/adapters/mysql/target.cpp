// MariaDB as a target (mysql.hpp): the table's columns and keys read from information_schema,
// the load's transaction begun, the window deleted or the rows table made, then the rows
// streamed into LOAD DATA LOCAL INFILE (target_load.hpp).
#include <algorithm>

#include "framework/adapters/common_keys.hpp"
#include "framework/adapters/endpoint.hpp"
#include "framework/adapters/mysql/mysql.hpp"
#include "framework/adapters/mysql/statement.hpp"
#include "framework/adapters/mysql/target_load.hpp"
#include "framework/adapters/staged_load.hpp"
#include "framework/core/ascii.hpp"

namespace sluice::adapters::mysql {
namespace {

// The temporary table an upsert's rows wait in.
constexpr std::string_view kRowsTable = "sluice_window_rows";

std::string column_names(const std::vector<std::string>& columns, std::string_view qualifier = {}) {
  std::string out;
  for (const auto& c : columns)
    out += (out.empty() ? "" : ", ") + std::string(qualifier) + quote_identifier(c);
  return out;
}

struct LoadedColumn {
  std::string name;  // as the table spells it
  Conversion conversion;
};

class MysqlTarget final : public Target {
 public:
  explicit MysqlTarget(TargetOptions o)
      : options_(std::move(o)), pool_(with_local_infile(options_.connection)) {}

  LoadMode mode() const override { return options_.load.mode; }

  Result<std::int64_t> count(const WindowContext& ctx) override {
    auto conn = pool_.acquire(ctx.deadline);
    if (!conn) return fail(conn.error());
    if (auto r = (*conn)->limit_time(); !r) return fail(r.error());
    return number_prepared(
        **conn,
        "SELECT count(*) FROM " + quote_qualified(options_.table) + " WHERE " + window_condition(),
        window_bounds(ctx));
  }

  Result<std::unique_ptr<TargetLoad>> start_load(const WindowContext& ctx,
                                                 std::span<const Column> columns) override {
    auto conn = pool_.acquire(ctx.deadline);
    if (!conn) return fail(conn.error());
    auto statements = prepare(**conn, ctx, columns);
    if (!statements) {
      (*conn)->close();  // rolls back what was begun
      return fail(statements.error());
    }
    return std::unique_ptr<TargetLoad>(
        std::make_unique<MysqlLoad>(std::move(*conn), std::move(statements->first),
                                    std::move(statements->second), options_.table));
  }

  Result<Loaded> load(const WindowContext& ctx, StageReader& staged) override {
    return load_from_stage(*this, ctx, staged);
  }

 private:
  static ConnectParams with_local_infile(ConnectParams p) {
    p.local_infile = true;
    return p;
  }

  std::string window_condition() const {
    const std::string col = quote_identifier(options_.time_column);
    return col + " >= ? AND " + col + " < ?";
  }
  static std::vector<Value> window_bounds(const WindowContext& ctx) {
    return {Value::datetime(ctx.window.start), Value::datetime(ctx.window.end)};
  }

  // The loaded columns as the table has them, with what their values need.
  Result<std::vector<LoadedColumn>> loaded_columns(Connection& conn,
                                                   std::span<const Column> columns) {
    const auto where = table_condition(options_.table);
    // COLUMN_TYPE only for `tinyint(1)`: an ENUM's may be longer than a value may be here.
    auto rows = query_prepared(conn,
                               "SELECT COLUMN_NAME, DATA_TYPE, LEFT(COLUMN_TYPE, 16) FROM "
                               "information_schema.COLUMNS WHERE " +
                                   where.sql + " ORDER BY ORDINAL_POSITION",
                               where.values);
    if (!rows) return fail(rows.error());
    if (rows->empty())
      return fail(Error::permanent("mysql: table " + options_.table +
                                   " does not exist, or its columns cannot be seen"));
    std::vector<LoadedColumn> out;
    std::string all;
    for (const auto& row : *rows) all += (all.empty() ? "" : ", ") + row[0].value_or("");
    for (const auto& c : columns) {
      const auto found = std::find_if(rows->begin(), rows->end(), [&](const auto& row) {
        return ascii_iequals(row[0].value_or(""), c.name);  // MariaDB names ignore case
      });
      if (found == rows->end())
        return fail(Error::permanent("mysql: column '" + c.name + "' of the rows is not in " +
                                     options_.table + " (its columns: " + all + ")"));
      out.push_back({(*found)[0].value_or(""),
                     conversion_of((*found)[1].value_or(""), (*found)[2].value_or(""))});
    }
    return out;
  }

  // An upsert matches rows by a unique index: one on exactly the key's columns.
  Result<void> check_unique_key(Connection& conn) {
    const auto where = table_condition(options_.table);
    auto rows =
        query_prepared(conn,
                       "SELECT INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS "
                       "WHERE " +
                           where.sql + " AND NON_UNIQUE = 0 ORDER BY INDEX_NAME, SEQ_IN_INDEX",
                       where.values);
    if (!rows) return fail(rows.error());
    std::vector<std::pair<std::string, std::vector<std::string>>> indexes;
    for (const auto& row : *rows) {
      if (indexes.empty() || indexes.back().first != row[0].value_or(""))
        indexes.emplace_back(row[0].value_or(""), std::vector<std::string>{});
      indexes.back().second.push_back(ascii_lower(row[1].value_or("")));
    }
    std::vector<std::string> key;
    for (const auto& k : options_.load.key) key.push_back(ascii_lower(k));
    std::sort(key.begin(), key.end());
    std::string seen;
    for (auto& [name, columns] : indexes) {
      seen += (seen.empty() ? "" : ", ") + name + " (" + column_names(columns) + ")";
      std::sort(columns.begin(), columns.end());
      if (columns == key) return {};
    }
    return fail(Error::permanent("upsert into " + options_.table +
                                 " needs a PRIMARY KEY or UNIQUE index on exactly (" +
                                 column_names(options_.load.key) +
                                 "); its unique indexes: " + (seen.empty() ? "none" : seen)));
  }

  // The load's transaction begun and its statements made.
  Result<std::pair<LoadStatements, std::vector<Conversion>>> prepare(
      Connection& conn, const WindowContext& ctx, std::span<const Column> columns) {
    const bool upsert = options_.load.mode == LoadMode::upsert;
    if (upsert) {
      if (auto r = check_key_loaded(options_.load.key, columns); !r) return fail(r.error());
    }
    auto table_columns = loaded_columns(conn, columns);
    if (!table_columns) return fail(table_columns.error());
    if (upsert) {
      if (auto r = check_unique_key(conn); !r) return fail(r.error());
    }
    std::vector<std::string> loaded;
    std::vector<Conversion> conversions;
    for (const auto& c : *table_columns) {
      loaded.push_back(c.name);
      conversions.push_back(c.conversion);
    }
    const std::string target = quote_qualified(options_.table);
    const std::string rows_table = quote_identifier(kRowsTable);
    // A transaction of the load's own isolation: a second load of the window waits for the
    // first one's locks, then deletes its rows (replace_window).
    if (auto r = conn.limit_time(); !r) return fail(r.error());
    for (const char* statement :
         {"SET SESSION net_read_timeout = 600", "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ",
          "START TRANSACTION"}) {
      if (auto r = conn.exec(statement); !r) return fail(r.error());
    }
    if (options_.load.mode == LoadMode::replace_window) {
      if (auto r = run_prepared(conn, "DELETE FROM " + target + " WHERE " + window_condition(),
                                window_bounds(ctx));
          !r)
        return fail(r.error());
    }
    LoadStatements s;
    s.load_data = load_data(upsert ? rows_table : target, loaded, conversions);
    if (upsert) {
      for (const char* statement : {"DROP TEMPORARY TABLE IF EXISTS ", "CREATE TEMPORARY TABLE "}) {
        std::string sql = statement + rows_table;
        if (std::string_view(statement).starts_with("CREATE"))
          sql += " AS SELECT " + column_names(loaded) + " FROM " + target + " LIMIT 0";
        if (auto r = conn.exec(sql); !r) return fail(r.error());
      }
      upsert_statements(s, target, rows_table, loaded);
    }
    return std::pair{std::move(s), std::move(conversions)};
  }

  std::string load_data(const std::string& into, const std::vector<std::string>& loaded,
                        const std::vector<Conversion>& conversions) const {
    std::string targets, set;
    for (std::size_t i = 0; i < loaded.size(); ++i) {
      const std::string variable = "@sluice_" + std::to_string(i);
      const std::string column = quote_identifier(loaded[i]);
      std::string value;
      if (conversions[i] == Conversion::binary) value = "UNHEX(" + variable + ")";
      if (conversions[i] == Conversion::bit)
        value = "CAST(CONV(" + variable + ", 2, 10) AS UNSIGNED)";
      targets += (i ? ", " : "") + (value.empty() ? column : variable);
      if (value.empty()) continue;
      set += set.empty() ? " SET " : ", ";
      set += column;
      set += " = ";
      set += value;
    }
    // The terminators in hex: their text reads the same under any sql_mode.
    return "LOAD DATA LOCAL INFILE '" + std::string(kInfileName) + "' INTO TABLE " + into +
           " CHARACTER SET " + options_.connection.charset +
           " FIELDS TERMINATED BY X'09' ESCAPED BY X'5C' LINES TERMINATED BY X'0A' (" + targets +
           ")" + set;
  }

  void upsert_statements(LoadStatements& s, const std::string& target, const std::string& rows,
                         const std::vector<std::string>& loaded) const {
    const auto& key = options_.load.key;
    std::string any_null, update;
    for (const auto& k : key)
      any_null += (any_null.empty() ? "" : " OR ") + quote_identifier(k) + " IS NULL";
    for (const auto& c : loaded) {
      const bool in_key = std::any_of(key.begin(), key.end(),
                                      [&](const std::string& k) { return ascii_iequals(k, c); });
      if (!in_key)
        update += (update.empty() ? "" : ", ") + quote_identifier(c) + " = VALUES(" +
                  quote_identifier(c) + ")";
    }
    // A key of every column: a row that exists stays as it is.
    if (update.empty())
      update = quote_identifier(key.front()) + " = " + quote_identifier(key.front());
    s.null_keys = "SELECT count(*) FROM " + rows + " WHERE " + any_null;
    s.repeated_keys = "SELECT count(*) FROM (SELECT 1 FROM " + rows + " GROUP BY " +
                      column_names(key) + " HAVING count(*) > 1) AS repeated";
    s.upsert = "INSERT INTO " + target + " (" + column_names(loaded) + ") SELECT " +
               column_names(loaded) + " FROM " + rows + " ON DUPLICATE KEY UPDATE " + update;
    s.held = "SELECT count(*) FROM " + target + " AS t WHERE (" + column_names(key, "t.") +
             ") IN (SELECT " + column_names(key) + " FROM " + rows + ")";
    s.drop_rows = "DROP TEMPORARY TABLE " + rows;
  }

  TargetOptions options_;
  ConnectionPool pool_;
};

}  // namespace

std::unique_ptr<Target> make_target(TargetOptions options) {
  return std::make_unique<MysqlTarget>(std::move(options));
}

Result<std::unique_ptr<Target>> target_from_config(const adapters::ConnectionConfig& connection,
                                                   const adapters::EndpointConfig& target) {
  auto params = connect_params(connection);
  if (!params) return fail(params.error());
  auto t = config::bind(sql_target_binding(), target.params);
  return make_target({std::move(*params), std::move(t.table), std::move(t.time_column),
                      load_settings(target.params)});
}

}  // namespace sluice::adapters::mysql
