// MySQL / MariaDB (libmariadb): connection, source and target keys.
#include "framework/adapters/mysql/keys.hpp"
#include "framework/adapters/common_keys.hpp"
#include "framework/adapters/mysql/mysql.hpp"
#include "framework/adapters/registry.hpp"

using sluice::config::KeyTable;
using sluice::config::KeyType;
using sluice::config::Secrecy;

namespace sluice::adapters {
namespace {

std::string check_mysql_url(std::string_view text) {
  for (std::string_view scheme : {"mysql://", "mariadb://"}) {
    if (text.substr(0, scheme.size()) == scheme) return config::url_userinfo_problem(text);
  }
  return "expected a mysql:// or mariadb:// URL";
}

void check_mysql_connection(const config::Fields& c, config::Diagnostics& diags) {
  check_url_or_parts(c, diags, {"host", "port", "database", "user", "password"}, true);
}

const KeyTable& mysql_connection_keys() {
  static const KeyTable t{
      "mysql connection",
      "A MySQL or MariaDB server: `url`, or `host` and its parts.",
      {
          {.name = "url",
           .type = KeyType::string,
           .description = "`mysql://user:password@host:port/database`. Its password is masked "
                          "when shown.",
           .secret = Secrecy::url,
           .check = check_mysql_url},
          {.name = "host",
           .type = KeyType::string,
           .description = "Host name, address, or socket path (instead of `url`)."},
          {.name = "port",
           .type = KeyType::integer,
           .description = "Port.",
           .default_value = "(3306)",
           .min = 1,
           .max = 65535},
          {.name = "database", .type = KeyType::string, .description = "Database name."},
          {.name = "user", .type = KeyType::string, .description = "User name."},
          {.name = "password",
           .type = KeyType::string,
           .description = "Password; write a reference such as `${env:MYSQL_PASSWORD}`.",
           .secret = Secrecy::opaque},
          {.name = "ssl_mode",
           .type = KeyType::choice,
           .description = "TLS to the server: `required` insists on it, `verify_ca` and "
                          "`verify_identity` also check the server's certificate; "
                          "`preferred` and `disabled` use the client library's default.",
           .default_value = "preferred",
           .choices = {"disabled", "preferred", "required", "verify_ca", "verify_identity"}},
          {.name = "connect_timeout",
           .type = KeyType::duration,
           .description = "Give up connecting after this long.",
           .default_value = "10s"},
          {.name = "charset",
           .type = KeyType::choice,
           .description = "Connection character set; a UTF-8 one, as the stage holds UTF-8 "
                          "(`utf8mb3` only for servers without `utf8mb4`).",
           .default_value = "utf8mb4",
           .choices = {"utf8mb4", "utf8mb3", "utf8"}},
      }};
  return t;
}

}  // namespace

const config::Binding<mysql::ConnectionSettings>& mysql::connection_binding() {
  using S = ConnectionSettings;
  static const config::Binding<S> b{mysql_connection_keys(),
                                    {
                                        {"url", &S::url},
                                        {"host", &S::host},
                                        {"port", &S::port},
                                        {"database", &S::database},
                                        {"user", &S::user},
                                        {"password", &S::password},
                                        {"ssl_mode", &S::ssl_mode},
                                        {"connect_timeout", &S::connect_timeout},
                                        {"charset", &S::charset},
                                    }};
  return b;
}

const AdapterInfo& mysql_adapter() {
  static const AdapterInfo info{
      .kind = "mysql",
      .description =
          "MySQL or MariaDB as a source: a table or query, the window bound as session "
          "variables, rows streamed (mysql_use_result). Values as text: DATETIME and TIMESTAMP "
          "read in UTC and written with `+00`, DECIMAL exact, binary strings as PostgreSQL "
          "bytea hex (`\\x0aff`), BIT(n) as n 0/1 digits, text in utf8mb4. As a target: each "
          "window in one transaction (InnoDB), the rows streamed with LOAD DATA LOCAL INFILE "
          "(the server's `local_infile` must be ON), those encodings taken back, and the load "
          "refused on any warning of the server. Runs SQL pipelines (InnoDB tables: each "
          "window in one transaction).",
      .roles = {Role::source, Role::target, Role::sql},
      .connection_keys = {&mysql_connection_keys()},
      .source_keys = {&sql_source_keys()},
      .target_keys = {&sql_target_keys()},
      .sql_keys = {&sql_target_keys()},
      .bindings = {&mysql::connection_binding(), &sql_source_binding(), &sql_target_binding()},
      .check_connection = check_mysql_connection,
      .check_source = check_sql_source,
      .make_source = mysql::source_from_config,
      .make_target = mysql::target_from_config,
      .make_sql_runner = mysql::sql_runner_from_config,
      .probe = mysql::probe,
      .make_check_server = mysql::check_server_from_config,
      .sql_dialect = sql::Dialect::mysql,
      .load_modes = {LoadMode::replace_window, LoadMode::append, LoadMode::upsert},
      .reports_loaded_rows = true,
  };
  return info;
}

}  // namespace sluice::adapters
