-- Views for operators at a psql prompt (and for sluicectl status). Plain views: they cost
-- nothing until queried and always show the current state.

-- One row per pipeline: how many windows in each status, how far loading has got, what is
-- waiting. Pipelines known only from pipelines (no record yet) appear with zero counts.
CREATE VIEW pipeline_summary AS
WITH counts AS (
    SELECT pipeline_id,
           count(*)                                                 AS windows,
           count(*) FILTER (WHERE pipeline_status = 'PENDING')      AS pending,
           count(*) FILTER (WHERE pipeline_status = 'PENDING'
                              AND next_attempt_at > now())          AS waiting_retry,
           count(*) FILTER (WHERE pipeline_status = 'IN_PROGRESS')  AS running,
           count(*) FILTER (WHERE pipeline_status = 'SUCCESS')      AS succeeded,
           count(*) FILTER (WHERE pipeline_status = 'SKIPPED')      AS skipped,
           count(*) FILTER (WHERE pipeline_status = 'FAILED')       AS failed,
           max(pipeline_end_time) FILTER (WHERE pipeline_status = 'SUCCESS')
                                                                    AS last_success_at,
           max(window_end_time) FILTER (WHERE pipeline_status IN ('SUCCESS', 'SKIPPED'))
                                                                    AS last_loaded_window_end,
           min(window_start_time) FILTER (WHERE pipeline_status = 'PENDING')
                                                                    AS oldest_pending_window,
           max(record_last_updated_time) FILTER (WHERE pipeline_status = 'FAILED')
                                                                    AS last_failure_at
      FROM pipeline_records
     GROUP BY pipeline_id
)
SELECT pipeline_id,
       COALESCE(p.paused, false)       AS paused,
       COALESCE(c.windows, 0)          AS windows,
       COALESCE(c.pending, 0)          AS pending,
       COALESCE(c.waiting_retry, 0)    AS waiting_retry,
       COALESCE(c.running, 0)          AS running,
       COALESCE(c.succeeded, 0)        AS succeeded,
       COALESCE(c.skipped, 0)          AS skipped,
       COALESCE(c.failed, 0)           AS failed,
       c.last_success_at,
       c.last_loaded_window_end,
       c.oldest_pending_window,
       c.last_failure_at
  FROM counts c
  FULL JOIN pipelines p USING (pipeline_id);

-- Windows that ended FAILED, with why and how often they were tried.
CREATE VIEW failed_windows AS
SELECT id,
       pipeline_id,
       target_day,
       window_start_time,
       window_end_time,
       trigger,
       dag_run_id,
       phase_completed,
       retry_attempt,
       error_message,
       audit_result,
       source_count,
       target_count,
       percentage_difference,
       record_last_updated_time AS failed_at
  FROM pipeline_records
 WHERE pipeline_status = 'FAILED';

-- IN_PROGRESS windows whose lease (last heartbeat, else the claim) is older than the
-- threshold: the session setting sluice.stuck_after if set (SET sluice.stuck_after =
-- '5 minutes'), else the pipeline's registered stale_threshold, else 15 minutes.
CREATE VIEW stuck_windows AS
SELECT r.id,
       r.pipeline_id,
       r.window_start_time,
       r.window_end_time,
       r.dag_run_id,
       r.locked_by,
       r.pipeline_locked_at,
       r.heartbeat_at,
       now() - COALESCE(r.heartbeat_at, r.pipeline_locked_at) AS lease_age,
       t.threshold                                             AS stuck_after,
       r.phase_completed,
       r.retry_attempt
  FROM pipeline_records r
  LEFT JOIN pipelines p USING (pipeline_id)
 CROSS JOIN LATERAL (
       SELECT COALESCE(NULLIF(current_setting('sluice.stuck_after', true), '')::interval,
                       p.stale_threshold,
                       interval '15 minutes') AS threshold) t
 WHERE r.pipeline_status = 'IN_PROGRESS'
   AND COALESCE(r.heartbeat_at, r.pipeline_locked_at) < now() - t.threshold;

-- How long finished windows took: latency from the window's end to the end of its run
-- (includes the pipeline's x_time_back stability lag), the last run's duration, and each
-- task's duration.
CREATE VIEW window_latency AS
SELECT id,
       pipeline_id,
       target_day,
       window_start_time,
       window_end_time,
       trigger,
       pipeline_status,
       retry_attempt,
       pipeline_start_time,
       pipeline_end_time,
       pipeline_end_time - window_end_time                                  AS latency,
       pipeline_end_time - pipeline_start_time                              AS run_duration,
       source_to_stage_ingestion_end_time - source_to_stage_ingestion_start_time
                                                                            AS source_to_stage_duration,
       stage_to_target_ingestion_end_time - stage_to_target_ingestion_start_time
                                                                            AS stage_to_target_duration,
       audit_end_time - audit_start_time                                    AS audit_duration,
       source_count,
       target_count
  FROM pipeline_records
 WHERE pipeline_status IN ('SUCCESS', 'SKIPPED')
   AND pipeline_end_time IS NOT NULL;
