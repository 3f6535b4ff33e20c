#include "framework/adapters/postgres/conninfo.hpp"

#include <cstdint>

#include "framework/store/database.hpp"
#include "framework/time/duration.hpp"

namespace sluice::adapters::postgres {
std::optional<config::Secret> postgres_conninfo(const config::Fields& c) {
  if (const auto* url = c.get<config::Secret>("url")) return *url;
  if (!c.get<std::string>("host")) return std::nullopt;
  std::string written;
  std::string value;
  const auto add = [&](std::string_view key, std::string_view w, std::string_view v) {
    const std::string sep = written.empty() ? "" : " ";
    written += sep + std::string(key) + "=" + store::libpq_quoted(w);
    value += sep + std::string(key) + "=" + store::libpq_quoted(v);
  };
  for (auto key : {"host", "dbname", "user", "sslmode", "application_name"}) {
    if (const auto* s = c.get<std::string>(key)) add(key, *s, *s);
  }
  if (const auto* port = c.get<std::int64_t>("port")) {
    add("port", std::to_string(*port), std::to_string(*port));
  }
  if (const auto* t = c.get<time::Duration>("connect_timeout")) {
    const std::string seconds = std::to_string(t->fixed.count());
    add("connect_timeout", seconds, seconds);
  }
  if (const auto* pw = c.get<config::Secret>("password")) {
    // The written form keeps the reference (or a mask), never the value.
    add("password", pw->redacted(), pw->reveal());
  }
  const auto* pw = c.get<config::Secret>("password");
  if (pw && !pw->is_resolved())
    return config::Secret::unresolved(std::move(written), config::Secrecy::url);
  return config::Secret::resolved(std::move(written), std::move(value), config::Secrecy::url);
}

}  // namespace sluice::adapters::postgres
