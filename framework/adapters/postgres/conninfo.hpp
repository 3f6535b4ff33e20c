#pragma once
#include <optional>

#include "framework/adapters/endpoint.hpp"
#include "framework/core/error.hpp"
#include "framework/schema/fields.hpp"
#include "framework/schema/secret.hpp"

namespace sluice::adapters::postgres {

// The libpq string of a postgres connection section: `url` as written, or `key='value'`
// pairs built from host/port/dbname/user/password/sslmode/connect_timeout/application_name.
// None when neither `url` nor `host` is set.
std::optional<config::Secret> postgres_conninfo(const config::Fields& connection);

// The connection's libpq string with its secrets revealed, or a permanent Error when it has
// none or a secret is unresolved.
Result<std::string> resolved_conninfo(const adapters::ConnectionConfig& connection);

}  // namespace sluice::adapters::postgres
