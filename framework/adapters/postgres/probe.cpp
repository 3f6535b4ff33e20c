// `sluicectl connections test` for PostgreSQL: connect, ask the server version.
#include <libpq-fe.h>

#include "framework/adapters/postgres/libpq.hpp"
#include "framework/adapters/postgres/postgres.hpp"
#include "framework/config/database_url.hpp"
#include "framework/config/model.hpp"
#include "framework/store/database.hpp"

namespace sluice::adapters::postgres {
namespace {

// The password libpq would use, to scrub it from any message that might quote it.
std::string password_of(const std::string& conninfo) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  if (error) PQfreemem(error);
  std::string password;
  for (auto* o = options; o && o->keyword; ++o)
    if (std::string_view(o->keyword) == "password" && o->val) password = o->val;
  if (options) PQconninfoFree(options);
  return password;
}

}  // namespace

Result<std::string> probe(const config::ConnectionConfig& connection) {
  const auto conninfo = config::postgres_conninfo(connection.params);
  if (!conninfo || !conninfo->is_resolved())
    return fail(
        Error::permanent("connection '" + connection.name + "' has no resolved url or host"));
  const std::string text = conninfo->reveal();
  const std::string password = password_of(text);
  const auto scrub = [&](Error e) {
    e.message = store::redact_secrets(e.message, password);
    return e;
  };
  auto opened = Connection::open(text, "sluicectl");
  if (!opened) return fail(scrub(opened.error()));
  auto version = opened->exec(
      "SELECT 'PostgreSQL ' || current_setting('server_version') || ', database ' || "
      "current_database() || ', user ' || current_user");
  if (!version) return fail(scrub(version.error()));
  return store::redact_secrets(PQgetvalue(version->get(), 0, 0), password);
}

}  // namespace sluice::adapters::postgres
