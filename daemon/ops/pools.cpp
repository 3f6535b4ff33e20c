#include "daemon/ops/pools.hpp"

namespace sluice::ops {

Result<std::vector<PoolView>> pool_views(store::Connection& c, const config::Config& config) {
  std::vector<PoolView> out;
  std::vector<std::string> names;
  for (const auto& pool : config.daemon.pools) {
    out.push_back({pool.name, pool.size, {}, {}});
    names.push_back(pool.name);
  }
  if (out.empty()) return out;
  std::vector<store::PoolMember> members;
  for (const auto& p : config.pipelines) {
    if (p.pool.empty()) continue;
    for (auto& view : out)
      if (view.name == p.pool) view.pipelines.push_back(p.id.value);
    if (!p.paused) members.push_back({p.id.value, p.pool});
  }
  auto use = store::pool_use(c, names, members);
  if (!use) return fail(use.error());
  for (std::size_t i = 0; i < out.size() && i < use->size(); ++i) out[i].use = (*use)[i];
  return out;
}

nlohmann::json pool_json(const PoolView& pool) {
  return {{"pool", pool.name},
          {"size", pool.size},
          {"slots_in_use", pool.use.slots_used},
          {"running", pool.use.running},
          {"waiting", pool.use.waiting},
          {"pipelines", pool.pipelines}};
}

}  // namespace sluice::ops
