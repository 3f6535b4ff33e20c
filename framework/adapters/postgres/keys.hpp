#pragma once
#include "framework/schema/diagnostic.hpp"
#include "framework/schema/fields.hpp"
#include "framework/schema/key_table.hpp"

namespace sluice::adapters {

// Also the daemon file's `database` section: the records database is a PostgreSQL
// connection like any other.
const config::KeyTable& postgres_connection_keys();

// `url`, or `host` and its parts, never both; `required`: one of them must be there (a
// connection), or neither may be (the daemon's database, which the environment may give).
void check_postgres_connection(const config::Fields& section, config::Diagnostics& diags,
                               bool required);

}  // namespace sluice::adapters
