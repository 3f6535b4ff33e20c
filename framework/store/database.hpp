#pragma once
// Opening PostgreSQL connections from an operator's URL. Every message names what was
// tried (host, port, database, user) and never the password: URLs travel through flags,
// environment and config files, and their errors end in logs and terminals.
#include <memory>
#include <string>
#include <string_view>

#include <pqxx/connection>

#include "framework/core/error.hpp"

namespace sluice::store {

using Connection = pqxx::connection;

// Where a connection string points, for messages. Holds no secret.
struct DatabaseTarget {
  std::string host;      // as given, else $PGHOST, else "the local socket"
  std::string port;      // as given, else $PGPORT, else 5432
  std::string database;  // as given, else $PGDATABASE, else the user name
  std::string user;      // as given, else $PGUSER, else the OS user
  bool has_password = false;

  // `host 127.0.0.1, port 5432, database sluice, user sluice`
  std::string describe() const;
};

// Accepts what libpq accepts: a `postgresql://user:password@host:port/db?opt=v` URL or a
// `host=... dbname=...` list, except a URL whose user information holds an unencoded `@`,
// `/`, `?`, `#`, space or lone `%` (libpq would split it somewhere in the password). A malformed
// one is a permanent error whose message quotes no part of the string that could be the password.
Result<DatabaseTarget> parse_database_url(std::string_view url);

// The text with every password it may quote replaced by `<redacted>`: the given one wherever
// it appears, a URL's `user:password@`, and `password=...` pairs. For libpq messages, which
// sometimes repeat the connection string.
std::string redact_secrets(std::string_view text, std::string_view password = {});

// `url` with its database replaced by `database` (URL or key=value form).
std::string with_database(const std::string& url, const std::string& database);

// `'value'` with libpq's quoting (`\` and `'` escaped), for key='value' connection strings:
// any value survives the round trip.
std::string libpq_quoted(std::string_view value);

struct ConnectOptions {
  // Shown in pg_stat_activity unless the URL sets application_name itself.
  std::string application_name = "sluice";
  // Used unless the URL sets connect_timeout.
  int connect_timeout_seconds = 10;
};

// Opens a connection whose session runs under the pinned settings of session_settings.hpp
// (UTC: timestamptz text is always `+00`; ISO dates; UTF-8).
// Failure: "cannot connect to PostgreSQL (host h, port p, database d, user u): reason",
// retryable when the server may come back (refused, timeout, starting up), permanent when
// only the operator can fix it (authentication, unknown database or role, bad option).
Result<std::unique_ptr<Connection>> connect(std::string_view url,
                                            const ConnectOptions& options = {});

// `SELECT 1`: whether the connection still reaches the server (after a statement failed,
// to tell a lost connection from a refused statement).
Result<void> ping(Connection& connection);

}  // namespace sluice::store
