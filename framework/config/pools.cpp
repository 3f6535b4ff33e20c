// Shared pools: the daemon file's `pools` and a pipeline's `pool`, `pool_slots` and `priority`.
#include <algorithm>
#include <cctype>

#include "framework/config/build.hpp"
#include "framework/config/keys.hpp"
#include "framework/core/suggest.hpp"

namespace sluice::config {

std::string check_pool_name(std::string_view name) {
  const bool ok = !name.empty() && name.size() <= 63 &&
                  !std::isdigit(static_cast<unsigned char>(name.front())) &&
                  std::all_of(name.begin(), name.end(), [](char c) {
                    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
                  });
  return ok ? std::string()
            : "a pool name is 1 to 63 letters, digits and '_', not starting with "
              "a digit";
}

std::vector<PoolConfig> build_pools(const Fields& daemon_fields) {
  std::vector<PoolConfig> out;
  if (const auto* pools = daemon_fields.get<NamedIntegers>("pools"))
    for (const auto& [name, size] : *pools) out.push_back({name, static_cast<int>(size)});
  return out;
}

const PoolConfig* DaemonConfig::find_pool(std::string_view name) const {
  const auto found =
      std::find_if(pools.begin(), pools.end(), [&](const PoolConfig& p) { return p.name == name; });
  return found == pools.end() ? nullptr : &*found;
}

void build_pool(PipelineConfig& p, const Fields& f, const DaemonConfig& daemon,
                const CheckContext& ctx) {
  p.priority = static_cast<int>(f.value_or<std::int64_t>("priority", 0));
  p.pool_slots = static_cast<int>(f.value_or<std::int64_t>("pool_slots", 1));
  const auto* name = f.get<std::string>("pool");
  if (!name) {
    // Slots outside any pool would be accepted and do nothing.
    if (f.is_set("pool_slots") && !f.is_set("pool"))
      f.error(*ctx.diags, "pool_slots", "has no effect without `pool`: set the pool it counts in");
    return;
  }
  const PoolConfig* pool = daemon.find_pool(*name);
  if (!pool) {
    std::vector<std::string_view> names;
    for (const auto& known : daemon.pools) names.push_back(known.name);
    f.error(*ctx.diags, "pool",
            "undefined pool '" + *name + "'" +
                unknown_name_hint(*name, names, "the daemon file defines no pools"));
    return;
  }
  p.pool = *name;
  if (f.get<std::int64_t>("pool_slots") && p.pool_slots > pool->size)
    f.error(*ctx.diags, "pool_slots",
            std::to_string(p.pool_slots) + " slots, but pool '" + pool->name + "' has " +
                std::to_string(pool->size) +
                " in the daemon file: no window of this pipeline could ever run");
}

}  // namespace sluice::config
