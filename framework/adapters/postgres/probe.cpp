// `sluicectl connections test` for PostgreSQL: connect, ask the server version.
#include <libpq-fe.h>

#include "framework/adapters/endpoint.hpp"
#include "framework/adapters/postgres/conninfo.hpp"
#include "framework/adapters/postgres/libpq.hpp"
#include "framework/adapters/postgres/postgres.hpp"

namespace sluice::adapters::postgres {

Result<std::string> probe(const adapters::ConnectionConfig& connection) {
  const auto conninfo = postgres_conninfo(connection.params);
  if (!conninfo || !conninfo->is_resolved())
    return fail(
        Error::permanent("connection '" + connection.name + "' has no resolved url or host"));
  const std::string text = conninfo->reveal();
  const auto scrub = [&](Error e) {
    e.message = config::scrub_credentials(e.message, text);
    return e;
  };
  auto opened = Connection::open(text, "sluicectl");
  if (!opened) return fail(scrub(opened.error()));
  auto version = opened->exec(
      "SELECT 'PostgreSQL ' || current_setting('server_version') || ', database ' || "
      "current_database() || ', user ' || current_user");
  if (!version) return fail(scrub(version.error()));
  return config::scrub_credentials(PQgetvalue(version->get(), 0, 0), text);
}

}  // namespace sluice::adapters::postgres
