// MariaDB / MySQL for data checks (window_query.hpp): the window's rows of a source (its query
// or table) or of a target table, as window_select writes them over the session variables
// bind_window sets, and assertion queries as prepared statements with the placeholders
// bound as typed `?` values. A target section is read with the target keys every SQL target
// has (table, time_column).
#include "framework/adapters/mysql/mysql.hpp"
#include "framework/adapters/window_query.hpp"

namespace sluice::adapters::mysql {
namespace {

class MysqlCheckServer final : public CheckServer {
 public:
  MysqlCheckServer(ConnectParams params, std::optional<SourceOptions> rows)
      : pool_(std::move(params)), rows_(std::move(rows)) {}

  sql::Dialect dialect() const override { return sql::Dialect::mysql; }
  std::string quote(std::string_view column) const override { return quote_identifier(column); }

  std::string window_rows(const Window&) const override {
    return rows_ ? window_select(*rows_) : std::string();
  }

  Result<std::vector<TextRow>> select(const WindowContext& ctx, const std::string& statement,
                                      const sql::Scanned* scanned) override {
    auto conn = pool_.acquire(ctx.deadline);
    if (!conn) return fail(conn.error());
    if (auto r = bind_window(**conn, ctx.window); !r) return fail(r.error());
    const Bound bound = scanned ? bound_statement(statement, *scanned, ctx) : Bound{statement, {}};
    auto rows = query_prepared(**conn, bound.sql, bound.values);
    if (!rows) return fail(rows.error());
    return std::move(*rows);
  }

 private:
  ConnectionPool pool_;
  std::optional<SourceOptions> rows_;
};

}  // namespace

Result<std::unique_ptr<CheckServer>> check_server_from_config(
    const adapters::ConnectionConfig& connection, const adapters::EndpointConfig* section,
    Role role) {
  auto params = connect_params(connection);
  if (!params) return fail(params.error());
  std::optional<SourceOptions> rows;
  if (auto r = window_rows_settings(section, role))
    rows =
        SourceOptions{*params, std::move(r->query), std::move(r->table), std::move(r->time_column)};
  return std::unique_ptr<CheckServer>(
      std::make_unique<MysqlCheckServer>(std::move(*params), std::move(rows)));
}

}  // namespace sluice::adapters::mysql
