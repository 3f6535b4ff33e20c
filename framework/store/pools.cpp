#include "framework/store/pools.hpp"

#include <pqxx/pqxx>

#include "framework/store/errors.hpp"
#include "framework/store/records.hpp"

namespace sluice::store {

Result<std::vector<PoolUse>> pool_use(Connection& c, std::span<const std::string> pools,
                                      std::span<const PoolMember> members) {
  std::vector<std::string> pipelines, member_pools;
  for (const auto& m : members) {
    pipelines.push_back(m.pipeline);
    member_pools.push_back(m.pool);
  }
  const std::vector<std::string> names(pools.begin(), pools.end());
  return attempt("reading the pools' use", [&] {
    pqxx::read_transaction tx(c);
    // Running windows on the pool index (0014); waiting ones on the claim index (0012).
    const auto rows = tx.exec_params(
        "WITH k AS (SELECT * FROM unnest($1::text[]) WITH ORDINALITY AS k(pool, n)), "
        "running AS (SELECT r.pool, sum(r.pool_slots) AS slots, count(*) AS windows "
        "              FROM pipeline_records r "
        "             WHERE r.pipeline_status = 'IN_PROGRESS' AND r.pool = ANY($1::text[]) "
        "             GROUP BY r.pool), "
        "waiting AS (SELECT m.pool, count(*) AS windows "
        "              FROM unnest($2::text[], $3::text[]) AS m(pipeline_id, pool) "
        "              JOIN pipeline_records r ON r.pipeline_id = m.pipeline_id "
        "              LEFT JOIN pipelines p ON p.pipeline_id = m.pipeline_id "
        "             WHERE r.pipeline_status = 'PENDING' "
        "               AND (r.next_attempt_at IS NULL OR r.next_attempt_at <= now()) "
        "               AND NOT coalesce(p.paused, false) "
        "             GROUP BY m.pool) "
        "SELECT k.pool, coalesce(running.slots, 0), coalesce(running.windows, 0), "
        "       coalesce(waiting.windows, 0) "
        "  FROM k LEFT JOIN running USING (pool) LEFT JOIN waiting USING (pool) "
        " ORDER BY k.n",
        array_literal(names), array_literal(pipelines), array_literal(member_pools));
    std::vector<PoolUse> out;
    out.reserve(rows.size());
    for (const auto& row : rows)
      out.push_back({row[0].as<std::string>(), row[1].as<std::int64_t>(), row[2].as<std::int64_t>(),
                     row[3].as<std::int64_t>()});
    return out;
  });
}

}  // namespace sluice::store
