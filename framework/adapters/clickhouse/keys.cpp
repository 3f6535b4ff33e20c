// ClickHouse through its HTTP interface (libcurl): connection, source and target keys.
#include "framework/adapters/clickhouse/keys.hpp"
#include "framework/adapters/common_keys.hpp"
#include "framework/adapters/registry.hpp"

using sluice::config::KeyTable;
using sluice::config::KeyType;
using sluice::config::Secrecy;

namespace sluice::adapters {
namespace {

// The URL's path and query are not used, so an `@` there can only be a password's.
std::string check_clickhouse_url(std::string_view text) {
  if (auto problem = check_http_url(text); !problem.empty()) return problem;
  return config::url_userinfo_problem(text);
}

const KeyTable& clickhouse_connection_keys() {
  static const KeyTable t{
      "clickhouse connection",
      "A ClickHouse server's HTTP interface.",
      {
          {.name = "url",
           .type = KeyType::string,
           .description = "`http://host:8123` (or https). Credentials in it are masked when "
                          "shown; prefer `user` and `password`.",
           .required = true,
           .secret = Secrecy::url,
           .check = check_clickhouse_url},
          {.name = "user",
           .type = KeyType::string,
           .description = "User name.",
           .default_value = "default"},
          {.name = "password",
           .type = KeyType::string,
           .description = "Password; write a reference such as `${env:CLICKHOUSE_PASSWORD}`.",
           .secret = Secrecy::opaque},
          {.name = "database",
           .type = KeyType::string,
           .description = "Database for unqualified table names.",
           .default_value = "default"},
          {.name = "timeout",
           .type = KeyType::duration,
           .description = "Longest a single request may take; an INSERT, which lasts as long "
                          "as the extract feeding it, has no such limit but fails once nothing "
                          "has moved for this long (at least 1m).",
           .default_value = "5m"},
          {.name = "connect_timeout",
           .type = KeyType::duration,
           .description = "Give up connecting after this long.",
           .default_value = "10s"},
          {.name = "compression",
           .type = KeyType::boolean,
           .description = "Compress request and response bodies.",
           .default_value = "true"},
          {.name = "tls_verify",
           .type = KeyType::boolean,
           .description = "Verify the server's certificate (https).",
           .default_value = "true"},
      }};
  return t;
}

const KeyTable& target_keys() {
  static const KeyTable t{
      "clickhouse target",
      "How a window is replaced.",
      {
          {.name = "load_method",
           .type = KeyType::choice,
           .description = "`delete_insert`: delete the window's rows, then insert. "
                          "`replace_partition`: insert into a staging table and replace the "
                          "partition (windows must align with partitions).",
           .default_value = "delete_insert",
           .choices = {"delete_insert", "replace_partition"}},
          {.name = "partition_expression",
           .type = KeyType::string,
           .description = "The table's partition key expression; required with "
                          "`replace_partition`."},
      }};
  return t;
}

void check_target(const config::Fields& target, config::Diagnostics& diags) {
  const auto* load = target.get<std::string>("load");
  if (load && *load == "upsert" && target.is_set("load_method"))
    target.error(diags, "load_method",
                 "only with load: replace_window (an upsert inserts into a ReplacingMergeTree "
                 "and replaces nothing)");
  const auto* method = target.get<std::string>("load_method");
  if (method && *method == "replace_partition" && !target.is_set("partition_expression")) {
    target.error(diags, "partition_expression", "required with load_method replace_partition");
  }
}

clickhouse::LoadMethod load_method_of(std::string_view name) {
  return name == "replace_partition" ? clickhouse::LoadMethod::replace_partition
                                     : clickhouse::LoadMethod::delete_insert;
}

}  // namespace

const config::Binding<clickhouse::ConnectionSettings>& clickhouse::connection_binding() {
  using S = ConnectionSettings;
  static const config::Binding<S> b{clickhouse_connection_keys(),
                                    {
                                        {"url", &S::url},
                                        {"user", &S::user},
                                        {"password", &S::password},
                                        {"database", &S::database},
                                        {"timeout", &S::timeout},
                                        {"connect_timeout", &S::connect_timeout},
                                        {"compression", &S::compression},
                                        {"tls_verify", &S::tls_verify},
                                    }};
  return b;
}

const config::Binding<clickhouse::TargetSettings>& clickhouse::target_binding() {
  using S = TargetSettings;
  static const config::Binding<S> b{target_keys(),
                                    {
                                        {"load_method", &S::load_method, load_method_of},
                                        {"partition_expression", &S::partition_expression},
                                    }};
  return b;
}

const AdapterInfo& clickhouse_adapter() {
  static const AdapterInfo info{
      .kind = "clickhouse",
      .description =
          "ClickHouse over HTTP: a table or query as source, a table as target (windows "
          "replaced, or upserted into a ReplacingMergeTree ordered by the key); "
          "evaluates `transform.columns[].sql`; runs SQL pipelines (each window computed into "
          "a scratch table, then swapped in: README, SQL pipelines).",
      .roles = {Role::source, Role::target, Role::sql},
      .connection_keys = {&clickhouse_connection_keys()},
      .source_keys = {&sql_source_keys()},
      .target_keys = {&sql_target_keys(), &target_keys()},
      .sql_keys = {&sql_target_keys(), &target_keys()},
      .bindings = {&clickhouse::connection_binding(), &sql_source_binding(), &sql_target_binding(),
                   &clickhouse::target_binding()},
      .check_source = check_sql_source,
      .check_target = check_target,
      .check_sql = check_target,
      .make_source = clickhouse::source_from_config,
      .make_target = clickhouse::target_from_config,
      .make_sql_runner = clickhouse::sql_runner_from_config,
      .probe = clickhouse::probe,
      .make_check_server = clickhouse::check_server_from_config,
      .sql_dialect = sql::Dialect::clickhouse,
      .sql_expressions = true,
      .load_modes = {LoadMode::replace_window, LoadMode::upsert},
  };
  return info;
}

}  // namespace sluice::adapters
