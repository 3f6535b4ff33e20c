#include "daemon/ctl/database.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <stdexcept>

#include "framework/config/database_url.hpp"
#include "framework/config/load.hpp"

namespace sluice::ctl {

std::string resolve_database_url(const Context& ctx) {
  if (!ctx.database_url.empty()) return ctx.database_url;
  // Only the daemon file is read: a broken pipeline must not keep `db migrate` from running.
  std::optional<config::DaemonConfig> daemon;
  std::error_code ec;
  if (std::filesystem::exists(ctx.config_path, ec)) {
    auto loaded = config::load_daemon_config(ctx.config_path);
    if (!loaded) {
      std::string message = "cannot take the database URL from " + ctx.config_path + ":";
      for (const auto& d : loaded.error()) message += "\n  " + config::to_string(d);
      throw UsageError(message);
    }
    daemon = std::move(*loaded);
  }
  auto url = config::resolve_database_url("", daemon ? &daemon->database : nullptr);
  if (!url) throw UsageError(url.error());
  return url->url.reveal();
}

std::unique_ptr<store::Connection> open_database(const Context& ctx) {
  const std::string url = resolve_database_url(ctx);
  if (auto parsed = store::parse_database_url(url); !parsed) {
    throw UsageError(parsed.error().message);
  }
  auto connection = store::connect(url, {.application_name = "sluicectl"});
  if (!connection) throw Failure(connection.error());
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
