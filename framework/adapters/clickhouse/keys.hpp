#pragma once
// The ClickHouse connection and target keys, typed (keys.cpp binds them next to their
// tables).
#include <chrono>
#include <optional>
#include <string>

#include "framework/adapters/clickhouse/clickhouse.hpp"
#include "framework/schema/bind.hpp"

namespace sluice::adapters::clickhouse {

struct ConnectionSettings {
  std::optional<config::Secret> url;
  std::string user;
  std::optional<config::Secret> password;
  std::string database;
  std::chrono::milliseconds timeout;
  std::chrono::milliseconds connect_timeout;
  bool compression;
  bool tls_verify;
};
const config::Binding<ConnectionSettings>& connection_binding();

// The keys a ClickHouse target has besides the SQL target's.
struct TargetSettings {
  LoadMethod load_method;
  std::string partition_expression;
};
const config::Binding<TargetSettings>& target_binding();

}  // namespace sluice::adapters::clickhouse
