// PostgreSQL: connection, source and target keys. The daemon's own `database` section uses
// the same connection keys.
#include "framework/adapters/postgres/keys.hpp"
#include "framework/adapters/common_keys.hpp"
#include "framework/adapters/postgres/postgres.hpp"
#include "framework/adapters/registry.hpp"

using sluice::config::KeyTable;
using sluice::config::KeyType;
using sluice::config::Secrecy;

namespace sluice::adapters {
namespace {

std::string check_postgres_url(std::string_view text) {
  for (std::string_view scheme : {"postgresql://", "postgres://"}) {
    if (text.substr(0, scheme.size()) == scheme) return config::url_userinfo_problem(text);
  }
  if (text.find('=') != std::string_view::npos) return {};  // libpq key=value form
  return "expected a postgresql:// URL or a libpq key=value string";
}

void check_connection_section(const config::Fields& c, config::Diagnostics& diags) {
  check_postgres_connection(c, diags, true);
}

}  // namespace

void check_postgres_connection(const config::Fields& section, config::Diagnostics& diags,
                               bool required) {
  check_url_or_parts(section, diags, {"host", "port", "dbname", "user", "password", "sslmode"},
                     required);
}

const KeyTable& postgres_connection_keys() {
  static const KeyTable t{
      "postgres connection",
      "A PostgreSQL server: `url`, or `host` and its parts.",
      {
          {.name = "url",
           .type = KeyType::string,
           .description = "`postgresql://user:password@host:port/dbname?sslmode=...` or a libpq "
                          "`key=value` string. Its password is masked when shown.",
           .secret = Secrecy::url,
           .check = check_postgres_url},
          {.name = "host",
           .type = KeyType::string,
           .description = "Host name, address, or socket directory (instead of `url`)."},
          {.name = "port",
           .type = KeyType::integer,
           .description = "Port.",
           .default_value = "(5432)",
           .min = 1,
           .max = 65535},
          {.name = "dbname", .type = KeyType::string, .description = "Database name."},
          {.name = "user", .type = KeyType::string, .description = "User name."},
          {.name = "password",
           .type = KeyType::string,
           .description = "Password; write a reference such as `${credential:db_password}`.",
           .secret = Secrecy::opaque},
          {.name = "sslmode",
           .type = KeyType::choice,
           .description = "libpq sslmode.",
           .default_value = "(prefer)",
           .choices = {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}},
          {.name = "connect_timeout",
           .type = KeyType::duration,
           .description = "Give up connecting after this long.",
           .default_value = "10s"},
          {.name = "application_name",
           .type = KeyType::string,
           .description = "Shown in pg_stat_activity.",
           .default_value = "sluice"},
      }};
  return t;
}

const config::Binding<PostgresConnectionSettings>& postgres_connection_binding() {
  using S = PostgresConnectionSettings;
  static const config::Binding<S> b{postgres_connection_keys(),
                                    {
                                        {"url", &S::url},
                                        {"host", &S::host},
                                        {"port", &S::port},
                                        {"dbname", &S::dbname},
                                        {"user", &S::user},
                                        {"password", &S::password},
                                        {"sslmode", &S::sslmode},
                                        {"connect_timeout", &S::connect_timeout},
                                        {"application_name", &S::application_name},
                                    }};
  return b;
}

const AdapterInfo& postgres_adapter() {
  static const AdapterInfo info{
      .kind = "postgres",
      .description =
          "PostgreSQL: a table or query as source; a table as target, each window "
          "replaced in one transaction (delete the window, COPY the rows), appended, or "
          "upserted by key (INSERT ... ON CONFLICT from a temporary table); evaluates "
          "`transform.columns[].sql`; runs SQL pipelines, each window in one transaction.",
      .roles = {Role::source, Role::target, Role::sql},
      .connection_keys = {&postgres_connection_keys()},
      .source_keys = {&sql_source_keys()},
      .target_keys = {&sql_target_keys()},
      .sql_keys = {&sql_target_keys()},
      .bindings = {&postgres_connection_binding(), &sql_source_binding(), &sql_target_binding()},
      .check_connection = check_connection_section,
      .check_source = check_sql_source,
      .make_source = postgres::source_from_config,
      .make_target = postgres::target_from_config,
      .make_sql_runner = postgres::sql_runner_from_config,
      .probe = postgres::probe,
      .make_check_server = postgres::check_server_from_config,
      .sql_expressions = true,
      .load_modes = {LoadMode::replace_window, LoadMode::append, LoadMode::upsert},
      .reports_loaded_rows = true,
  };
  return info;
}

}  // namespace sluice::adapters
