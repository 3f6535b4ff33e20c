#pragma once
#include <optional>

#include "framework/schema/fields.hpp"
#include "framework/schema/secret.hpp"

namespace sluice::adapters::postgres {

// The libpq string of a postgres connection section: `url` as written, or `key='value'`
// pairs built from host/port/dbname/user/password/sslmode/connect_timeout/application_name.
// None when neither `url` nor `host` is set.
std::optional<config::Secret> postgres_conninfo(const config::Fields& connection);

}  // namespace sluice::adapters::postgres
