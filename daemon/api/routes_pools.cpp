// /api/v1/pools: what `sluicectl status --pools` says.
#include "daemon/api/handlers.hpp"
#include "daemon/ops/pools.hpp"

namespace sluice::api {

Answer<Response> list_pools(Call& call) {
  if (auto q = call.query.only({}); !q) return tl::unexpected(q.error());
  const auto config = call.services.config();
  auto db = call.services.database();
  if (!db) return unavailable(db.error());
  auto pools = ops::pool_views(**db, *config);
  if (!pools) return unavailable(pools.error());
  nlohmann::json out = nlohmann::json::array();
  for (const auto& p : *pools) out.push_back(ops::pool_json(p));
  return json_response(200, {{"pools", out}});
}

}  // namespace sluice::api
