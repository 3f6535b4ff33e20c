#include "framework/adapters/registry.hpp"

#include <algorithm>

namespace sluice::adapters {

std::string_view to_string(Role role) {
  switch (role) {
    case Role::source: return "source";
    case Role::stage: return "stage";
    case Role::target: return "target";
    case Role::sql: return "sql";
  }
  return "?";
}

bool AdapterInfo::can(Role role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

std::string AdapterInfo::roles_text() const {
  std::string out;
  for (auto r : roles) out += (out.empty() ? "" : ", ") + std::string(to_string(r));
  return out;
}

const std::vector<const AdapterInfo*>& registry() {
  static const std::vector<const AdapterInfo*> rows = {
      &postgres_adapter(), &mysql_adapter(), &clickhouse_adapter(),
      &file_adapter(),     &http_adapter(),  &generate_adapter(),
  };
  return rows;
}

const AdapterInfo* find_adapter(std::string_view kind) {
  for (const auto* a : registry()) {
    if (a->kind == kind) return a;
  }
  return nullptr;
}

std::vector<std::string_view> adapter_kinds() {
  std::vector<std::string_view> out;
  for (const auto* a : registry()) out.push_back(a->kind);
  return out;
}

std::string loaded_count_kinds() {
  std::string out;
  for (const auto* a : registry())
    if (a->reports_loaded_rows) out += (out.empty() ? "" : ", ") + std::string(a->kind);
  return out;
}

}  // namespace sluice::adapters
