#pragma once
// How sluicectl commands reach the database.
#include <memory>
#include <string>

#include "daemon/ctl/context.hpp"
#include "framework/store/database.hpp"

namespace sluice::ctl {

// The one place sluicectl decides its database URL: --database-url, else
// $SLUICE_DATABASE_URL (both already in ctx.database_url), else the config file.
// Throws UsageError when there is none.
std::string resolve_database_url(const Context& ctx);

// Connected, or throws: UsageError for a missing or malformed URL (exit 2), a
// Failure naming host, port, database and user when the server cannot be
// reached (exit 1). The password is never in either.
std::unique_ptr<store::Connection> open_database(const Context& ctx);

// `user@host`: who ran the command, for schema_migrations.applied_by and audit_log.
std::string operator_identity();

}  // namespace sluice::ctl
