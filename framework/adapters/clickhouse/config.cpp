// From validated config to a ClickHouse source, target or probe.
#include "framework/adapters/clickhouse/clickhouse.hpp"
#include "framework/adapters/clickhouse/keys.hpp"
#include "framework/adapters/common_keys.hpp"
#include "framework/adapters/endpoint.hpp"
#include "framework/adapters/window_query.hpp"

namespace sluice::adapters::clickhouse {
namespace {

Result<ConnectionOptions> connection_of(const adapters::ConnectionConfig& connection) {
  const auto c = config::bind(connection_binding(), connection.params);
  if (!c.url || !c.url->is_resolved() || c.url->reveal().empty()) {
    return fail(Error::permanent("connection '" + connection.name + "' has no resolved url"));
  }
  // curl would guess where a password holding a raw `@`, `/` or `#` ends, and the guess is
  // what its errors then quote.
  if (const auto problem = config::url_userinfo_problem(c.url->reveal()); !problem.empty())
    return fail(
        Error::permanent("connection '" + connection.name + "': url is malformed: " + problem));
  ConnectionOptions o;
  o.url = c.url->reveal();
  o.user = c.user;
  if (c.password) {
    if (!c.password->is_resolved()) {
      return fail(Error::permanent("connection '" + connection.name + "': password " +
                                   c.password->redacted() + " is not resolved"));
    }
    o.password = c.password->reveal();
  }
  o.database = c.database;
  o.timeout = c.timeout;
  o.connect_timeout = c.connect_timeout;
  o.compression = c.compression;
  o.tls_verify = c.tls_verify;
  return o;
}

}  // namespace

Result<std::unique_ptr<Source>> source_from_config(const adapters::ConnectionConfig& connection,
                                                   const adapters::EndpointConfig& source) {
  auto c = connection_of(connection);
  if (!c) return fail(c.error());
  auto s = config::bind(sql_source_binding(), source.params);
  return make_source({*c, std::move(s.query), std::move(s.table), std::move(s.time_column)});
}

namespace {

// A copy pipeline's target and a SQL pipeline's target have the same keys.
Result<TargetOptions> target_options(const adapters::ConnectionConfig& connection,
                                     const adapters::EndpointConfig& target) {
  auto c = connection_of(connection);
  if (!c) return fail(c.error());
  auto sql = config::bind(sql_target_binding(), target.params);
  const auto own = config::bind(target_binding(), target.params);
  TargetOptions o{.connection = *c,
                  .table = std::move(sql.table),
                  .time_column = std::move(sql.time_column),
                  .method = own.load_method};
  if (o.method == LoadMethod::replace_partition) o.partition_expression = own.partition_expression;
  // A SQL pipeline's target section has no `load`: its windows are replaced.
  if (target.params.find("load")) o.load = load_settings(target.params);
  return o;
}

}  // namespace

Result<std::unique_ptr<Target>> target_from_config(const adapters::ConnectionConfig& connection,
                                                   const adapters::EndpointConfig& target) {
  auto o = target_options(connection, target);
  if (!o) return fail(o.error());
  return make_target(std::move(*o));
}

Result<std::unique_ptr<SqlRunner>> sql_runner_from_config(
    const adapters::ConnectionConfig& connection, const adapters::EndpointConfig& target) {
  auto o = target_options(connection, target);
  if (!o) return fail(o.error());
  return make_sql_runner(std::move(*o));
}

Result<std::string> probe(const adapters::ConnectionConfig& connection) {
  auto c = connection_of(connection);
  if (!c) return fail(c.error());
  Session session(*c);
  auto version = session.execute("SELECT version()", "probe");
  if (!version) return fail(version.error());
  while (!version->empty() && version->back() == '\n') version->pop_back();
  return "ClickHouse " + *version;
}

Result<std::unique_ptr<CheckServer>> check_server_from_config(
    const adapters::ConnectionConfig& connection, const adapters::EndpointConfig* section,
    Role role) {
  auto c = connection_of(connection);
  if (!c) return fail(c.error());
  std::optional<SourceOptions> rows;
  if (auto r = window_rows_settings(section, role))
    rows = SourceOptions{*c, std::move(r->query), std::move(r->table), std::move(r->time_column)};
  return make_check_server(std::move(*c), std::move(rows));
}

}  // namespace sluice::adapters::clickhouse
