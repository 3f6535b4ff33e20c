#pragma once
// One row per adapter kind: what it can be (source, stage, target) and the key tables of its
// connection, source and target sections. The loader validates config with these rows, the
// reference is generated from them, and later the rows carry the factories as well.
#include <string>
#include <string_view>
#include <vector>

#include "framework/config/diagnostic.hpp"
#include "framework/config/fields.hpp"
#include "framework/config/key_table.hpp"

namespace sluice::adapters {

enum class Role { source, stage, target };
std::string_view to_string(Role role);

// A rule the tables cannot say alone (`query` or `table`, `url` or `host`), run on a section
// whose keys already passed their own checks.
using SectionCheck = void (*)(const config::Fields& section, config::Diagnostics& diags);

struct AdapterInfo {
  std::string_view kind{};
  std::string_view description{};
  std::vector<Role> roles{};
  // Each list is checked (and documented) in order; the pipeline's `connection` key comes
  // first from config::source_common_keys() / target_common_keys().
  std::vector<const config::KeyTable*> connection_keys{};
  std::vector<const config::KeyTable*> source_keys{};
  std::vector<const config::KeyTable*> target_keys{};
  SectionCheck check_connection = nullptr;
  SectionCheck check_source = nullptr;
  SectionCheck check_target = nullptr;

  bool can(Role role) const;
  std::string roles_text() const;  // `source, target`
};

// In the order the reference lists them.
const std::vector<const AdapterInfo*>& registry();
const AdapterInfo* find_adapter(std::string_view kind);
std::vector<std::string_view> adapter_kinds();

// The rows, one per adapter folder (framework/adapters/<kind>/keys.cpp).
const AdapterInfo& postgres_adapter();
const AdapterInfo& mysql_adapter();
const AdapterInfo& clickhouse_adapter();
const AdapterInfo& file_adapter();
const AdapterInfo& http_adapter();
const AdapterInfo& generate_adapter();

}  // namespace sluice::adapters
