// PostgreSQL for data checks (window_query.hpp): the window's rows of a source (its query or
// table) or of a target table, as window_select writes them with literal bounds (formatted
// from integers), and assertion queries with the placeholders as typed parameters.
#include "framework/adapters/postgres/conninfo.hpp"
#include "framework/adapters/postgres/postgres.hpp"
#include "framework/adapters/postgres/window_template.hpp"
#include "framework/adapters/window_query.hpp"

namespace sluice::adapters::postgres {
namespace {

class PostgresCheckServer final : public CheckServer {
 public:
  // `rows`: the section's table (or query) and time column; none for a connection alone.
  PostgresCheckServer(const std::string& conninfo, std::optional<SourceOptions> rows)
      : pool_(conninfo, "sluice"), rows_(std::move(rows)) {}

  sql::Dialect dialect() const override { return sql::Dialect::postgres; }
  std::string quote(std::string_view column) const override { return quote_identifier(column); }

  std::string window_rows(const Window& w) const override {
    return rows_ ? window_select(*rows_, w, true) : std::string();
  }

  Result<std::vector<TextRow>> select(const WindowContext& ctx, const std::string& statement,
                                      const sql::Scanned* scanned) override {
    auto conn = pool_.acquire(ctx.deadline);
    if (!conn) return fail(conn.error());
    auto r = scanned ? (*conn)->exec_typed(sql::render(statement, *scanned, parameter_of),
                                           window_parameters(ctx), kWindowTypes)
                     : (*conn)->exec(statement);
    if (!r) return fail(r.error());
    const PGresult* result = r->get();
    std::vector<TextRow> rows(static_cast<std::size_t>(PQntuples(result)));
    for (int i = 0; i < PQntuples(result); ++i)
      for (int j = 0; j < PQnfields(result); ++j)
        rows[static_cast<std::size_t>(i)].push_back(
            PQgetisnull(result, i, j) ? std::nullopt
                                      : std::optional<std::string>(PQgetvalue(result, i, j)));
    return rows;
  }

 private:
  ConnectionPool pool_;
  std::optional<SourceOptions> rows_;
};

}  // namespace

Result<std::unique_ptr<CheckServer>> check_server_from_config(
    const adapters::ConnectionConfig& connection, const adapters::EndpointConfig* section,
    Role role) {
  auto conninfo = resolved_conninfo(connection);
  if (!conninfo) return fail(conninfo.error());
  std::optional<SourceOptions> rows;
  if (auto r = window_rows_settings(section, role))
    rows = SourceOptions{*conninfo, std::move(r->query), std::move(r->table),
                         std::move(r->time_column)};
  return std::unique_ptr<CheckServer>(
      std::make_unique<PostgresCheckServer>(*conninfo, std::move(rows)));
}

}  // namespace sluice::adapters::postgres
