#pragma once
// Where the records database is: `--database-url` > `$SLUICE_DATABASE_URL` > the daemon
// file, the order twelve-factor deployments expect. Both binaries use this one function.
#include <optional>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

#include "framework/config/model.hpp"
#include "framework/schema/fields.hpp"
#include "framework/schema/secret.hpp"

namespace sluice::config {

inline constexpr const char* kDatabaseUrlEnv = "SLUICE_DATABASE_URL";

struct DatabaseUrl {
  Secret url;          // print it: the password is masked
  std::string origin;  // `--database-url`, `$SLUICE_DATABASE_URL`, or `FILE:LINE:COLUMN`
};

// `flag` is the --database-url value (empty when not given); `file` the daemon file's
// database, if the file was loaded. Fails when none of the three gives a URL.
tl::expected<DatabaseUrl, std::string> resolve_database_url(
    std::string_view flag, const DatabaseConfig* file,
    const Environment& env = Environment::process());

}  // namespace sluice::config
