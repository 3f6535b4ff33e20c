#pragma once
// What an adapter is built from: a named connection of the daemon file and a pipeline's
// source or target section, both already checked against the adapter's key tables. The
// config model (framework/config/) holds these; adapters see only them.
#include <string>
#include <string_view>

#include "framework/adapters/registry.hpp"
#include "framework/schema/fields.hpp"

namespace sluice::adapters {

struct ConnectionConfig {
  std::string name;
  const AdapterInfo* adapter = nullptr;
  config::Fields params;  // `kind`, `description` and the adapter's connection keys

  std::string_view kind() const { return adapter ? adapter->kind : std::string_view(); }
};

// A pipeline's source or target: the connection it uses and its own keys.
struct EndpointConfig {
  std::string connection;  // the record's source_name / target_name
  std::string kind;
  config::Fields params;  // `connection` and the adapter's source or target keys
};

}  // namespace sluice::adapters
