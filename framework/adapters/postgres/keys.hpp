#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "framework/schema/bind.hpp"
#include "framework/schema/diagnostic.hpp"
#include "framework/schema/fields.hpp"
#include "framework/schema/key_table.hpp"

namespace sluice::adapters {

// Also the daemon file's `database` section: the records database is a PostgreSQL
// connection like any other.
const config::KeyTable& postgres_connection_keys();

struct PostgresConnectionSettings {
  std::optional<config::Secret> url;
  std::optional<std::string> host;
  std::optional<std::int64_t> port;  // none: libpq's default
  std::optional<std::string> dbname;
  std::optional<std::string> user;
  std::optional<config::Secret> password;
  std::optional<std::string> sslmode;  // none: libpq's default
  time::Duration connect_timeout;
  std::string application_name;
};
const config::Binding<PostgresConnectionSettings>& postgres_connection_binding();

// `url`, or `host` and its parts, never both; `required`: one of them must be there (a
// connection), or neither may be (the daemon's database, which the environment may give).
void check_postgres_connection(const config::Fields& section, config::Diagnostics& diags,
                               bool required);

}  // namespace sluice::adapters
