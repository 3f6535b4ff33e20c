// From validated config to a ClickHouse source, target or probe.
#include "framework/adapters/clickhouse/clickhouse.hpp"
#include "framework/adapters/common_keys.hpp"
#include "framework/adapters/endpoint.hpp"

namespace sluice::adapters::clickhouse {
namespace {

std::chrono::milliseconds duration_or(const config::Fields& f, std::string_view key,
                                      std::chrono::milliseconds d) {
  if (const auto* v = f.get<time::Duration>(key); v && v->months == 0) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(v->fixed);
  }
  return d;
}

Result<ConnectionOptions> connection_of(const adapters::ConnectionConfig& connection) {
  const config::Fields& f = connection.params;
  const auto* url = f.get<config::Secret>("url");
  if (!url || !url->is_resolved() || url->reveal().empty()) {
    return fail(Error::permanent("connection '" + connection.name + "' has no resolved url"));
  }
  // curl would guess where a password holding a raw `@`, `/` or `#` ends, and the guess is
  // what its errors then quote.
  if (const auto problem = config::url_userinfo_problem(url->reveal()); !problem.empty())
    return fail(
        Error::permanent("connection '" + connection.name + "': url is malformed: " + problem));
  ConnectionOptions o;
  o.url = url->reveal();
  o.user = f.string_or("user", "default");
  if (const auto* password = f.get<config::Secret>("password")) {
    if (!password->is_resolved()) {
      return fail(Error::permanent("connection '" + connection.name + "': password " +
                                   password->redacted() + " is not resolved"));
    }
    o.password = password->reveal();
  }
  o.database = f.string_or("database", "default");
  o.timeout = duration_or(f, "timeout", o.timeout);
  o.connect_timeout = duration_or(f, "connect_timeout", o.connect_timeout);
  o.compression = f.value_or<bool>("compression", true);
  o.tls_verify = f.value_or<bool>("tls_verify", true);
  return o;
}

}  // namespace

Result<std::unique_ptr<Source>> source_from_config(const adapters::ConnectionConfig& connection,
                                                   const adapters::EndpointConfig& source) {
  auto c = connection_of(connection);
  if (!c) return fail(c.error());
  return make_source({*c, optional_string(source.params, "query"),
                      optional_string(source.params, "table"),
                      source.params.string_or("time_column")});
}

Result<std::unique_ptr<Target>> target_from_config(const adapters::ConnectionConfig& connection,
                                                   const adapters::EndpointConfig& target) {
  auto c = connection_of(connection);
  if (!c) return fail(c.error());
  TargetOptions o{.connection = *c,
                  .table = target.params.string_or("table"),
                  .time_column = target.params.string_or("time_column")};
  if (target.params.string_or("load_method") == "replace_partition") {
    o.method = LoadMethod::replace_partition;
    o.partition_expression = target.params.string_or("partition_expression");
  }
  return make_target(std::move(o));
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

}  // namespace sluice::adapters::clickhouse
