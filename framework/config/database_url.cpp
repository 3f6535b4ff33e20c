#include "framework/config/database_url.hpp"

namespace sluice::config {
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

}  // namespace sluice::config
