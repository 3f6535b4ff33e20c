#include "daemon/ctl/database.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

namespace sluice::ctl {

std::string resolve_database_url(const Context& ctx) {
  if (!ctx.database_url.empty()) return ctx.database_url;
  // The config file's database URL comes here once the config loader provides it.
  throw UsageError(
      "no database URL: pass --database-url, or set SLUICE_DATABASE_URL, or set the "
      "database URL in the config file");
}

std::unique_ptr<store::Connection> open_database(const Context& ctx) {
  const std::string url = resolve_database_url(ctx);
  if (auto parsed = store::parse_database_url(url); !parsed) {
    throw UsageError(parsed.error().message);
  }
  auto connection = store::connect(url, {.application_name = "sluicectl"});
  if (!connection) throw std::runtime_error(connection.error().message);
  return std::move(*connection);
}

std::string operator_identity() {
  std::string user;
  if (const passwd* pw = getpwuid(geteuid()); pw && pw->pw_name) user = pw->pw_name;
  if (user.empty() && std::getenv("USER")) user = std::getenv("USER");
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return (user.empty() ? "unknown" : user) + "@" + (host[0] ? host : "unknown");
}

}  // namespace sluice::ctl
