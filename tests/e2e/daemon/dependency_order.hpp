#pragma once
// What the dependency tests check from pipeline_events: the claims of a child window made while
// an upstream window it overlaps had not yet ended (SUCCESS or SKIPPED). Always none. Compared
// on ended_at, the clock when each event was written (created_at is its transaction's start,
// which can precede a commit the claim waited for).
#include <string>

namespace sluice::test {

inline const std::string kEarlyClaimsFrom = R"(
    FROM pipeline_events ce
    JOIN pipeline_records c ON c.id = ce.record_id
    JOIN pipeline_dependencies d ON d.pipeline_id = c.pipeline_id
    JOIN pipeline_records u ON u.pipeline_id = d.upstream_id
                           AND u.window_start_time < c.window_end_time
                           AND u.window_end_time > c.window_start_time
   WHERE ce.task = 'claim'
     AND NOT EXISTS (SELECT 1 FROM pipeline_events ue
                      WHERE ue.record_id = u.id AND ue.to_status IN ('SUCCESS', 'SKIPPED')
                        AND ue.ended_at <= ce.ended_at))";

inline const std::string kEarlyClaims = "SELECT count(*)" + kEarlyClaimsFrom;

// The same claims, one line each: the child's pipeline and window, when it was claimed, the
// upstream window it overlapped and that window's events.
inline const std::string kEarlyClaimDetails = R"(
  SELECT c.pipeline_id || ' [' || c.window_start_time || ', ' || c.window_end_time || ')',
         ce.ended_at, u.pipeline_id || ' [' || u.window_start_time || ')',
         (SELECT string_agg(ue.to_status || '@' || ue.ended_at, ' ' ORDER BY ue.id)
            FROM pipeline_events ue WHERE ue.record_id = u.id))" +
                                              kEarlyClaimsFrom;

}  // namespace sluice::test
