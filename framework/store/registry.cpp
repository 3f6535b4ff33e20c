#include "framework/store/registry.hpp"

#include <pqxx/pqxx>

#include "framework/store/errors.hpp"
#include "framework/store/records.hpp"

namespace sluice::store {

Result<std::int64_t> register_pipelines(Connection& c,
                                        std::span<const PipelineRegistration> pipelines,
                                        const std::string& holder) {
  std::vector<std::string> ids, hashes, thresholds, events;
  for (const auto& p : pipelines) {
    ids.push_back(p.pipeline);
    hashes.push_back(p.config_hash);
    thresholds.push_back(std::to_string(p.stale_threshold.count()));
    std::string joined;  // kinds are [a-z_]: a comma cannot occur in one
    for (const auto& e : p.notify_events) joined += (joined.empty() ? "" : ",") + e;
    events.push_back(std::move(joined));
  }
  return attempt("registering the pipelines", [&] {
    pqxx::work tx(c);
    const auto r = tx.exec_params(
        "INSERT INTO pipelines AS p (pipeline_id, config_hash, stale_threshold, registered_by, "
        "                            registered_at, notify_events) "
        "SELECT id, hash, make_interval(secs => secs), $4, now(), "
        "       CASE WHEN ev = '' THEN '{}'::text[] ELSE string_to_array(ev, ',') END "
        "  FROM unnest($1::text[], $2::text[], $3::bigint[], $5::text[]) AS t(id, hash, secs, ev) "
        "ON CONFLICT (pipeline_id) DO UPDATE SET config_hash = EXCLUDED.config_hash, "
        "    stale_threshold = EXCLUDED.stale_threshold, registered_by = EXCLUDED.registered_by, "
        "    registered_at = EXCLUDED.registered_at, notify_events = EXCLUDED.notify_events",
        array_literal(ids), array_literal(hashes), array_literal(thresholds), holder,
        array_literal(events));
    tx.commit();
    return static_cast<std::int64_t>(r.affected_rows());
  });
}

}  // namespace sluice::store
