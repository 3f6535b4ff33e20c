#include "framework/config/database_url.hpp"

namespace sluice::config {
namespace {

// libpq quoting: single quotes, with `\` and `'` escaped.
std::string quote(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out + "'";
}

}  // namespace

tl::expected<DatabaseUrl, std::string> resolve_database_url(std::string_view flag,
                                                            const DatabaseConfig* file,
                                                            const Environment& env) {
  if (!flag.empty())
    return DatabaseUrl{Secret::literal(std::string(flag), Secrecy::url), "--database-url"};
  if (auto from_env = env.get(kDatabaseUrlEnv); from_env && !from_env->empty()) {
    return DatabaseUrl{Secret::literal(*from_env, Secrecy::url),
                       std::string("$") + kDatabaseUrlEnv};
  }
  if (file && file->url) return DatabaseUrl{*file->url, to_string(file->where)};
  return tl::unexpected(std::string("no database URL: pass --database-url, or set ") +
                        kDatabaseUrlEnv + ", or set database.url in the daemon file");
}

std::optional<Secret> postgres_conninfo(const Fields& c) {
  if (const auto* url = c.get<Secret>("url")) return *url;
  if (!c.get<std::string>("host")) return std::nullopt;
  std::string written;
  std::string value;
  const auto add = [&](std::string_view key, std::string_view w, std::string_view v) {
    const std::string sep = written.empty() ? "" : " ";
    written += sep + std::string(key) + "=" + quote(w);
    value += sep + std::string(key) + "=" + quote(v);
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
  if (const auto* pw = c.get<Secret>("password")) {
    // The written form keeps the reference (or a mask), never the value.
    add("password", pw->redacted(), pw->reveal());
  }
  const auto* pw = c.get<Secret>("password");
  if (pw && !pw->is_resolved()) return Secret::unresolved(std::move(written), Secrecy::url);
  return Secret::resolved(std::move(written), std::move(value), Secrecy::url);
}

}  // namespace sluice::config
