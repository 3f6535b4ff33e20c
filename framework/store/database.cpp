#include "framework/store/database.hpp"

#include <libpq-fe.h>

#include <map>

#include <fmt/format.h>
#include <pqxx/except>
#include <pqxx/nontransaction>

#include "framework/schema/secret.hpp"
#include "framework/store/errors.hpp"
#include "framework/store/session_settings.hpp"

namespace sluice::store {
namespace {

using Options = std::map<std::string, std::string>;

// libpq's parse as keyword -> value, only the keywords that carry a value.
Options to_map(PQconninfoOption* parsed) {
  Options out;
  for (auto* o = parsed; o && o->keyword; ++o) {
    if (o->val && *o->val) out[o->keyword] = o->val;
  }
  return out;
}

// libpq's parse errors quote the URL, or the token that failed, which may be the password.
// Short quotes ("]", "=") stay; at the first longer one the message stops, since what
// follows may be the URL again or misaligned by a quote inside the URL.
std::string without_quoted_text(std::string_view reason) {
  std::string out;
  for (std::size_t i = 0; i < reason.size(); ++i) {
    if (reason[i] == '"') {
      if (i + 2 < reason.size() && reason[i + 2] == '"') {
        out += reason.substr(i, 3);
        i += 2;
        continue;
      }
      return out + "\"...\"";
    }
    if (reason[i] != '\n') out += reason[i];
  }
  return out;
}

Result<Options> parse_options(std::string_view url) {
  // libpq splits a URL at the first `@`: a raw `@`, `/` or `#` in a password would make the
  // rest of it a host name that every later error quotes.
  if (const auto problem = config::url_userinfo_problem(url); !problem.empty())
    return fail(Error::permanent("the database URL is malformed: " + problem));
  char* error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(std::string(url).c_str(), &error);
  if (!parsed) {
    std::string reason = error ? error : "out of memory";
    PQfreemem(error);
    reason = without_quoted_text(reason);
    return fail(Error::permanent("the database URL is not a valid PostgreSQL connection string: " +
                                 reason));
  }
  Options out = to_map(parsed);
  PQconninfoFree(parsed);
  return out;
}

std::string value_or(const Options& given, const Options& defaults, const std::string& key,
                     std::string fallback) {
  if (auto it = given.find(key); it != given.end()) return it->second;
  if (auto it = defaults.find(key); it != defaults.end()) return it->second;
  return fallback;
}

DatabaseTarget target_of(const Options& given) {
  Options defaults;
  if (PQconninfoOption* d = PQconndefaults()) {  // env (PGHOST, ...) and compiled defaults
    defaults = to_map(d);
    PQconninfoFree(d);
  }
  DatabaseTarget t;
  t.host = value_or(given, defaults, "host", value_or(given, defaults, "hostaddr", ""));
  if (t.host.empty() || t.host.front() == '/') {
    t.host = t.host.empty() ? "the local socket" : "the local socket in " + t.host;
  }
  t.port = value_or(given, defaults, "port", "5432");
  t.user = value_or(given, defaults, "user", "(the OS user)");
  t.database = value_or(given, defaults, "dbname", t.user);
  t.has_password = given.contains("password");
  return t;
}

}  // namespace

std::string libpq_quoted(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

std::string DatabaseTarget::describe() const {
  return fmt::format("host {}, port {}, database {}, user {}", host, port, database, user);
}

Result<DatabaseTarget> parse_database_url(std::string_view url) {
  if (url.empty()) return fail(Error::permanent("the database URL is empty"));
  return parse_options(url).map(target_of);
}

std::string redact_secrets(std::string_view text, std::string_view password) {
  return config::scrub_secret(text, password);
}

std::string with_database(const std::string& url, const std::string& database) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return url + " dbname=" + database;
  const auto path = url.find_first_of("/?", scheme + 3);
  if (path == std::string::npos) return url + "/" + database;
  if (url[path] == '?') return url.substr(0, path) + "/" + database + url.substr(path);
  const auto query = url.find('?', path);
  return url.substr(0, path + 1) + database + (query == std::string::npos ? "" : url.substr(query));
}

Result<std::unique_ptr<Connection>> connect(std::string_view url, const ConnectOptions& options) {
  auto given = parse_options(url);
  if (!given) return fail(given.error());
  const DatabaseTarget target = target_of(*given);
  const std::string password = given->contains("password") ? given->at("password") : "";

  Options effective = *given;
  effective.emplace("fallback_application_name", options.application_name);
  effective.emplace("connect_timeout", std::to_string(options.connect_timeout_seconds));
  // After an `options` the URL may carry, so the pinned settings win (session_settings.hpp).
  effective["options"] = pinned_options(given->contains("options") ? given->at("options") : "");
  effective["client_encoding"] = kClientEncoding;
  std::string conninfo;
  for (const auto& [key, value] : effective) conninfo += key + "=" + libpq_quoted(value) + " ";

  try {
    auto connection = std::make_unique<Connection>(conninfo);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    // libpqxx 6 would otherwise reconnect behind our back after a break, silently dropping
    // session state (the migration's advisory lock, LISTENs); callers reconnect explicitly.
    connection->inhibit_reactivation(true);
#pragma GCC diagnostic pop
    // PGDATESTYLE and PGTZ outrank the startup options; libpqxx cannot tell, so SET anyway.
    pqxx::nontransaction(*connection).exec(pinned_set_statement());
    return connection;
  } catch (const std::exception& e) {
    Error error = classify(e, "cannot connect to PostgreSQL (" + target.describe() + ")");
    error.message = config::scrub_credentials(redact_secrets(error.message, password), url);
    return fail(std::move(error));
  }
}

Result<void> ping(Connection& connection) {
  return attempt("checking the connection", [&] {
    pqxx::nontransaction tx(connection);
    tx.exec("SELECT 1");
  });
}

}  // namespace sluice::store
