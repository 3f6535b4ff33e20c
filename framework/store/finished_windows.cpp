#include "framework/store/finished_windows.hpp"

#include <pqxx/result>
#include <pqxx/transaction>

#include "framework/store/errors.hpp"
#include "framework/store/records.hpp"
#include "framework/store/retention.hpp"

namespace sluice::store {
namespace {

constexpr const char* kFinished = R"(
SELECT extract(epoch FROM r.window_start_time)::bigint
  FROM pipeline_records r
 WHERE r.pipeline_id = $1
   AND r.window_start_time IN (SELECT to_timestamp(s) FROM unnest($2::bigint[]) AS s)
   AND (r.pipeline_status IN ('SUCCESS', 'SKIPPED')
        OR (r.pipeline_status = 'FAILED'
            AND r.record_last_updated_time < now() - $3::interval))
   FOR SHARE SKIP LOCKED)";

}  // namespace

Result<void> with_finished_windows(pqxx::connection& connection, const PipelineId& pipeline,
                                   std::span<const Instant> starts,
                                   const time::Duration& keep_failed,
                                   const std::function<void(std::span<const Instant>)>& act) {
  if (starts.empty()) return {};
  return attempt("looking up finished windows", [&] {
    std::vector<std::string> seconds;
    seconds.reserve(starts.size());
    for (const Instant s : starts) seconds.push_back(std::to_string(s.time_since_epoch().count()));
    pqxx::work tx(connection);
    const auto rows =
        tx.exec_params(kFinished, pipeline.value, array_literal(seconds), to_interval(keep_failed));
    std::vector<Instant> finished;
    finished.reserve(rows.size());
    for (const auto& row : rows) finished.push_back(Instant{Seconds{row[0].as<std::int64_t>()}});
    act(finished);
    tx.commit();
  });
}

}  // namespace sluice::store
