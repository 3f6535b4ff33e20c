#pragma once
// The shared pools as a config defines them, with their use across the fleet: what
// `sluicectl status`, GET /api/v1/pools and sluiced's metrics show.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "framework/config/model.hpp"
#include "framework/store/pools.hpp"

namespace sluice::ops {

struct PoolView {
  std::string name;
  int size = 0;                        // in this config's daemon file
  store::PoolUse use;                  // from the records
  std::vector<std::string> pipelines;  // the config's pipelines in it, by id
};

// Every pool of the daemon file, in file order. Waiting windows are those of its pipelines
// the config does not pause.
Result<std::vector<PoolView>> pool_views(store::Connection& c, const config::Config& config);

// {pool, size, slots_in_use, running, waiting, pipelines}
nlohmann::json pool_json(const PoolView& pool);

}  // namespace sluice::ops
