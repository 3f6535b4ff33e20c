#pragma once
// The scale benchmark's records, made by SQL in a few INSERT ... SELECT statements: a year's
// worth of history in minutes. Each record holds what the product's own writes leave on it
// (the claim's run ID and lease, each task's times and status, the counts, the audit's
// result, the error of a failure), one per window, with the windows the product's window
// generator makes (checked by verify_windows in scale.cpp).
//
// Per pipeline p, windows k = 0 (oldest) .. n-1, ending one window before the last one due at
// `now` (so a cron tick at `now` has exactly one window to make for each pipeline):
//   IN_PROGRESS  the newest window of p % 100 == 2 (1% of pipelines), its lease fresh; of
//                p % 1000 == 502 the lease stopped when it was claimed (stuck)
//   PENDING      the newest 3 windows of p % 4 == 0 (a backlog of a quarter of the fleet);
//                of p % 20 == 0 the oldest of them waits for a retry (next_attempt_at ahead)
//   PENDING      the oldest 5 windows of p % 50 == 1, made by a backfill request (RUNNING)
//   history      FAILED 1% (half retries used up at source_to_stage, half audit mismatches),
//                SKIPPED 5% (equal counts), SUCCESS the rest (2% after one retry); trigger
//                backfill for the oldest tenth of p % 10 == 5, manual now and then
// So the live part (PENDING and IN_PROGRESS) depends on the number of pipelines only, and
// history grows with the records. Events (pipeline_events) are not made: nothing measured
// here reads them.
//
// Triggers are off while the rows go in (session_replication_role = replica: the per-row
// trigger that keeps pipelines.newest_done_end would update a pipelines row per record);
// what they maintain is set afterwards (kFinishSeed).
#include <string>
#include <vector>

#include <fmt/format.h>

#include "tests/bench/scale/fleet.hpp"

namespace sluice::bench::scale {

// One pipeline as the seed needs it: its zone and step, and the local wall-clock end of its
// last seeded window (from the product's window generator).
struct SeedPipeline {
  int p;
  std::string id;
  std::string zone;
  long step_seconds;
  std::string time_interval;
  long lag_seconds;
  long windows;
  std::string last_end_local;  // `YYYY-MM-DD HH:MM:SS`
};

inline std::string seed_parameters(const std::vector<SeedPipeline>& fleet) {
  std::string values;
  for (const auto& s : fleet) {
    if (!values.empty()) values += ",\n";
    values += fmt::format(
        "({}, '{}', '{}', interval '{} seconds', '{}', interval '{} seconds', {}, "
        "timestamp '{}')",
        s.p, s.id, s.zone, s.step_seconds, s.time_interval, s.lag_seconds, s.windows,
        s.last_end_local);
  }
  return "CREATE TEMP TABLE sp (p int PRIMARY KEY, id text, zone text, step interval, "
         "tval text, lag interval, n int, last_end timestamp);\n"
         "INSERT INTO sp VALUES " +
         values + ";\n";
}

// The windows of each zone, step and end, once (the pipelines of a granularity and zone share
// them): j = 1 is the newest. Boundaries resolve as the product resolves local times: a time in
// a DST gap moves to the gap's end, one in a fold takes its first occurrence, an empty window
// is dropped (README, Windows). PostgreSQL takes the standard-time reading of both, which this
// corrects (every zone here shifts by one hour, on the hour).
inline constexpr const char* kClassWindows = R"(
ANALYZE sp;
CREATE TEMP TABLE cw AS
SELECT zone, step, last_end, j, ws, we, day
  FROM (SELECT zone, step, last_end, max(n) AS n FROM sp GROUP BY zone, step, last_end) c
 CROSS JOIN generate_series(1, c.n) j
 CROSS JOIN LATERAL (SELECT last_end - j * step AS l_start, (last_end - j * step)::date AS day) l
 CROSS JOIN LATERAL (
       SELECT CASE WHEN (b AT TIME ZONE zone) AT TIME ZONE zone <> b
                   THEN (date_trunc('hour', b) + interval '1 hour') AT TIME ZONE zone
                   ELSE least(b AT TIME ZONE zone,
                              ((b - interval '1 hour') AT TIME ZONE zone) + interval '1 hour')
              END AS ws,
              CASE WHEN (e AT TIME ZONE zone) AT TIME ZONE zone <> e
                   THEN (date_trunc('hour', e) + interval '1 hour') AT TIME ZONE zone
                   ELSE least(e AT TIME ZONE zone,
                              ((e - interval '1 hour') AT TIME ZONE zone) + interval '1 hour')
              END AS we
         FROM (SELECT l_start AS b, l_start + step AS e) x) i
 WHERE ws < we;
ANALYZE cw;
)";

// Every window of the fleet with its place (k = 0 the oldest), its hash (h: 0-999, uniform
// over a pipeline's windows) and its group; `now` is the seed's instant.
inline std::string windows_cte(const std::string& now) {
  return fmt::format(R"(
WITH w AS (
    SELECT sp.*, sp.n - cw.j AS k, cw.ws, cw.we, cw.day,
           ((sp.p::bigint * 2654435761 + (sp.n - cw.j) * 40503) % 1000)::int AS h,
           CASE WHEN sp.p % 100 = 2 AND cw.j = 1 THEN 'running'
                WHEN sp.p % 4 = 0 AND cw.j <= 3 THEN 'backlog'
                WHEN sp.p % 50 = 1 AND cw.j > sp.n - 5 THEN 'backfill'
                ELSE 'history' END AS grp,
           timestamptz '{}' AS now
      FROM sp
      JOIN cw ON cw.zone = sp.zone AND cw.step = sp.step AND cw.last_end = sp.last_end
             AND cw.j <= sp.n)
)",
                     now);
}

inline constexpr const char* kRunId =
    "trig || '__' || to_char(claim AT TIME ZONE 'UTC', "
    "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"')";

// The history: SUCCESS, SKIPPED and FAILED, in the order their windows ended (a table that
// grew over time, pipelines interleaved); the pipelines p % parts == part.
inline std::string history_insert(const std::string& now, int part, int parts) {
  return windows_cte(now) + fmt::format(R"(
INSERT INTO pipeline_records (pipeline_id, source_name, target_name, target_day,
    window_start_time, window_end_time, time_interval, trigger, dag_run_id, pipeline_status,
    pipeline_locked_at, locked_by, heartbeat_at, next_attempt_at,
    source_to_stage_ingestion_start_time, source_to_stage_ingestion_end_time,
    source_to_stage_ingestion_status, stage_to_target_ingestion_start_time,
    stage_to_target_ingestion_end_time, stage_to_target_ingestion_status,
    audit_start_time, audit_end_time, audit_status, audit_result, source_count, target_count,
    count_difference, percentage_difference, stage_count, stage_bytes, pipeline_start_time,
    pipeline_end_time, phase_completed, retry_attempt, error_message,
    record_first_created_time, record_last_updated_time, config_version)
SELECT id, 'shop', 'warehouse', day, ws, we, tval, trig, {0}, s,
       claim, format('worker-%s:%s', h % 8, 4000 + h % 8), t_end,
       CASE WHEN tries > 0 THEN claim END,
       CASE WHEN s <> 'SKIPPED' THEN s2s END,
       CASE WHEN s <> 'SKIPPED' THEN s2s + load END,
       CASE s WHEN 'SKIPPED' THEN 'PENDING' WHEN 'FAILED' THEN
            CASE WHEN audit_fail THEN 'SUCCESS' ELSE 'FAILED' END ELSE 'SUCCESS' END,
       CASE WHEN s = 'SUCCESS' OR audit_fail THEN s2s + load END,
       CASE WHEN s = 'SUCCESS' OR audit_fail THEN s2s + 2 * load END,
       CASE WHEN s = 'SUCCESS' OR audit_fail THEN 'SUCCESS' ELSE 'PENDING' END,
       CASE WHEN s = 'SUCCESS' OR audit_fail THEN s2s + 2 * load END,
       CASE WHEN s = 'SUCCESS' OR audit_fail THEN t_end END,
       CASE WHEN s = 'SUCCESS' THEN 'SUCCESS' WHEN audit_fail THEN 'FAILED' ELSE 'PENDING' END,
       CASE WHEN s = 'SUCCESS' THEN 'PASS' WHEN audit_fail THEN 'FAIL' END,
       CASE WHEN s = 'SKIPPED' THEN 0 WHEN s = 'SUCCESS' OR audit_fail THEN rows_ END,
       CASE WHEN s = 'SKIPPED' THEN 0 WHEN s = 'SUCCESS' THEN rows_
            WHEN audit_fail THEN rows_ - missing ELSE 0 END,
       CASE WHEN s = 'SUCCESS' THEN 0 WHEN audit_fail THEN missing END,
       CASE WHEN s = 'SUCCESS' THEN 0 WHEN audit_fail THEN round(missing * 100.0 / rows_, 2) END,
       CASE WHEN s = 'SUCCESS' OR audit_fail THEN rows_ END,
       CASE WHEN s = 'SUCCESS' OR audit_fail THEN rows_ * 118 END,
       first_claim, t_end,
       CASE WHEN s = 'SUCCESS' OR audit_fail THEN 'AUDIT' ELSE 'PRE_VALIDATION' END,
       tries,
       CASE WHEN s = 'SKIPPED' THEN 'source and target both hold 0 rows: already loaded'
            WHEN audit_fail THEN format('integrity: audit failed: source %s rows, target %s rows '
                                        '(%s%% > 0%%)', rows_, rows_ - missing,
                                        round(missing * 100.0 / rows_, 2))
            WHEN s = 'FAILED' THEN 'retryable: source_to_stage: cannot connect to PostgreSQL '
                                   '(connection refused) (retries used up: 3)' END,
       created, t_end, 1
  FROM (SELECT * FROM w WHERE grp = 'history' AND p % {1} = {2} ORDER BY we, p) w
 CROSS JOIN LATERAL (SELECT CASE WHEN h % 100 = 7 THEN 'FAILED' WHEN h % 20 = 3 THEN 'SKIPPED'
                                 ELSE 'SUCCESS' END AS s,
                            CASE WHEN p % 10 = 5 AND k < n / 10 THEN 'backfill'
                                 WHEN h = 999 THEN 'manual' ELSE 'scheduled' END AS trig,
                            (h / 100) % 2 = 1 AND h % 100 = 7 AS audit_fail,
                            1 + (h * 7919) % 50000 AS rows_, 1 + h % 7 AS missing,
                            we + lag + (h % 30) * interval '1 second' AS created) a
 CROSS JOIN LATERAL (SELECT CASE WHEN s = 'FAILED' AND NOT audit_fail THEN 3
                                 WHEN s = 'SUCCESS' AND h % 50 = 11 THEN 1 ELSE 0 END AS tries,
                            created + interval '50 milliseconds' AS first_claim) b
 CROSS JOIN LATERAL (SELECT first_claim + CASE tries WHEN 3 THEN interval '250 seconds'
                                                     WHEN 1 THEN interval '40 seconds'
                                                     ELSE interval '0' END AS claim,
                            (1 + rows_ / 5000) * interval '1 second' AS load) c
 CROSS JOIN LATERAL (SELECT claim + interval '200 milliseconds' AS s2s) d
 CROSS JOIN LATERAL (SELECT CASE WHEN s = 'SKIPPED' THEN claim + interval '300 milliseconds'
                                 WHEN s = 'FAILED' AND NOT audit_fail THEN s2s + load
                                 ELSE s2s + 2 * load + interval '300 milliseconds' END AS t_end) e
)",
                                        kRunId, parts, part);
}

// The live part: the backlog, the windows waiting for a retry, a running backfill's windows,
// and the running ones.
inline std::string live_insert(const std::string& now) {
  return windows_cte(now) + fmt::format(R"(
INSERT INTO pipeline_records (pipeline_id, source_name, target_name, target_day,
    window_start_time, window_end_time, time_interval, trigger, dag_run_id, pipeline_status,
    pipeline_locked_at, locked_by, heartbeat_at, next_attempt_at,
    source_to_stage_ingestion_start_time, source_to_stage_ingestion_end_time,
    source_to_stage_ingestion_status, target_count, pipeline_start_time, phase_completed,
    retry_attempt, error_message, record_first_created_time, record_last_updated_time,
    config_version)
SELECT id, 'shop', 'warehouse', day, ws, we, tval, trig,
       CASE WHEN claimed THEN {0} END, CASE WHEN grp = 'running' THEN 'IN_PROGRESS' ELSE 'PENDING' END,
       CASE WHEN claimed THEN claim END,
       CASE WHEN claimed THEN format('worker-%s:%s', h % 8, 4000 + h % 8) END,
       CASE WHEN grp = 'running' THEN beat WHEN retry THEN claim + interval '10 seconds' END,
       CASE WHEN retry THEN now + interval '2 hours' END,
       CASE WHEN retry THEN claim + interval '200 milliseconds' END,
       CASE WHEN retry THEN claim + interval '10 seconds' END,
       CASE WHEN retry THEN 'FAILED' ELSE 'PENDING' END,
       CASE WHEN claimed THEN 0 END, CASE WHEN claimed THEN claim END,
       CASE WHEN claimed THEN 'PRE_VALIDATION' END, CASE WHEN retry THEN 1 ELSE 0 END,
       CASE WHEN retry THEN 'retryable: source_to_stage: cannot connect to PostgreSQL '
                            '(connection refused)' END,
       created, CASE WHEN grp = 'running' THEN beat WHEN retry THEN claim + interval '10 seconds'
                     ELSE created END,
       CASE WHEN claimed THEN 1 END
  FROM (SELECT * FROM w WHERE grp <> 'history' ORDER BY we, p) w
 CROSS JOIN LATERAL (SELECT CASE WHEN grp = 'backfill' THEN 'backfill' ELSE 'scheduled' END AS trig,
                            grp = 'backlog' AND p % 20 = 0 AND k = n - 3 AS retry,
                            grp = 'running' OR (grp = 'backlog' AND p % 20 = 0 AND k = n - 3)
                                AS claimed,
                            CASE WHEN grp = 'backfill' THEN now - interval '30 minutes'
                                 ELSE we + lag + (h % 30) * interval '1 second' END AS created) a
 CROSS JOIN LATERAL (SELECT CASE WHEN grp = 'running' AND p % 1000 <> 502
                                 THEN greatest(created + interval '1 second',
                                               now - (p % 600) * interval '1 second')
                                 ELSE created + interval '1 second' END AS claim) b
 CROSS JOIN LATERAL (SELECT CASE WHEN p % 1000 = 502 THEN claim + interval '5 seconds'
                                 ELSE greatest(claim, now - (p % 25) * interval '1 second')
                            END AS beat) c
)",
                                        kRunId);
}

// The backfill requests the backfill windows came from, and operators' audit_log rows.
inline std::string requests_insert(const std::string& now) {
  return fmt::format(R"(
INSERT INTO backfill_requests (pipeline_id, from_time, to_time, reprocess, status,
    requested_by, requested_at, claimed_by, started_at, windows_total, windows_done,
    planned_until, windows_created)
SELECT pipeline_id, min(window_start_time), max(window_end_time), 'missing', 'RUNNING',
       'ops@scale', timestamptz '{0}' - interval '30 minutes', 'worker-0:4000',
       timestamptz '{0}' - interval '30 minutes' + interval '1 second', count(*), 0,
       max(window_end_time), count(*)
  FROM pipeline_records WHERE trigger = 'backfill' AND pipeline_status = 'PENDING'
 GROUP BY pipeline_id;
INSERT INTO audit_log (at, actor, command, pipeline_id, arguments, affected)
SELECT timestamptz '{0}' - (p % 1000) * interval '1 minute', 'ops@scale', 'rerun', id,
       '{{"only_failed": true}}', 1
  FROM sp WHERE p % 10 = 0;
)",
                     now);
}

// What the triggers keep, set once: each pipeline's newest finished window's end, its
// finished windows' counts (pipeline_counts, as migration 0016 fills it), its newest
// scheduled window, which the fold finds for every pipeline asking for a rescan (0019), and
// the latencies of the last days (0022 fills them the same way).
inline constexpr const char* kFinishSeed = R"(
UPDATE pipelines p
   SET newest_done_end = d.newest
  FROM (SELECT pipeline_id, max(window_end_time) AS newest FROM pipeline_records
         WHERE pipeline_status IN ('SUCCESS', 'SKIPPED') GROUP BY pipeline_id) d
 WHERE d.pipeline_id = p.pipeline_id;
INSERT INTO pipeline_counts (pipeline_id, succeeded, skipped, failed, last_success_at,
                             last_failure_at)
SELECT pipeline_id,
       count(*) FILTER (WHERE pipeline_status = 'SUCCESS'),
       count(*) FILTER (WHERE pipeline_status = 'SKIPPED'),
       count(*) FILTER (WHERE pipeline_status = 'FAILED'),
       max(pipeline_end_time) FILTER (WHERE pipeline_status = 'SUCCESS'),
       max(record_last_updated_time) FILTER (WHERE pipeline_status = 'FAILED')
  FROM pipeline_records
 WHERE pipeline_status IN ('SUCCESS', 'SKIPPED', 'FAILED')
 GROUP BY pipeline_id;
INSERT INTO pipeline_count_deltas (pipeline_id, succeeded, skipped, failed, rescan)
SELECT pipeline_id, 0, 0, 0, true FROM pipelines;
SELECT sluice_fold_counts();
SELECT sluice_rebuild_latency();
)";

}  // namespace sluice::bench::scale
