#include "framework/adapters/postgres/conninfo.hpp"

#include <cstdint>

#include "framework/adapters/postgres/keys.hpp"
#include "framework/store/database.hpp"
#include "framework/time/duration.hpp"

namespace sluice::adapters::postgres {
std::optional<config::Secret> postgres_conninfo(const config::Fields& connection) {
  const auto c = config::bind(postgres_connection_binding(), connection);
  if (c.url) return *c.url;
  if (!c.host) return std::nullopt;
  std::string written;
  std::string value;
  const auto add = [&](std::string_view key, std::string_view w, std::string_view v) {
    const std::string sep = written.empty() ? "" : " ";
    written += sep + std::string(key) + "=" + store::libpq_quoted(w);
    value += sep + std::string(key) + "=" + store::libpq_quoted(v);
  };
  const auto add_text = [&](std::string_view key, const std::optional<std::string>& text) {
    if (text) add(key, *text, *text);
  };
  add_text("host", c.host);
  add_text("dbname", c.dbname);
  add_text("user", c.user);
  add_text("sslmode", c.sslmode);
  add_text("application_name", c.application_name);
  if (c.port) add("port", std::to_string(*c.port), std::to_string(*c.port));
  const std::string seconds = std::to_string(c.connect_timeout.fixed.count());
  add("connect_timeout", seconds, seconds);
  // The written form keeps the reference (or a mask), never the value.
  if (c.password) add("password", c.password->redacted(), c.password->reveal());
  if (c.password && !c.password->is_resolved())
    return config::Secret::unresolved(std::move(written), config::Secrecy::url);
  return config::Secret::resolved(std::move(written), std::move(value), config::Secrecy::url);
}

Result<std::string> resolved_conninfo(const adapters::ConnectionConfig& connection) {
  const auto conninfo = postgres_conninfo(connection.params);
  if (!conninfo || !conninfo->is_resolved())
    return fail(
        Error::permanent("connection '" + connection.name + "' has no resolved url or host"));
  return conninfo->reveal();
}

}  // namespace sluice::adapters::postgres
