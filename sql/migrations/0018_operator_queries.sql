-- Operator queries at 10,000 pipelines and 10 million records: each answers from the live
-- part, the kept counts (0016) or an index shaped for it, so its cost follows the number of
-- pipelines and of the rows it returns, not the length of the history.

-- failed_windows by when they failed: the README's failed_recently.sql (the last 24 hours,
-- newest first) reads only those, not every failure ever kept. Only FAILED rows are in it;
-- record_last_updated_time changes at every update, but every update of a record already
-- changes an indexed column (the status, the lease, next_attempt_at), so no update that
-- was HOT before stops being HOT.
CREATE INDEX pipeline_records_failed_at_idx
    ON pipeline_records (record_last_updated_time)
    WHERE pipeline_status = 'FAILED';

-- `records list --trigger backfill|manual` and GET /api/v1/records?trigger=: those windows in
-- the list's order (pipeline, window start), without walking every scheduled window of the
-- pipelines before them. Scheduled windows, the bulk of the history, are not in it.
CREATE INDEX pipeline_records_trigger_idx
    ON pipeline_records (trigger, pipeline_id, window_start_time)
    WHERE trigger <> 'scheduled';

-- pipeline_summary, same columns and rows as 0016's: one aggregate over one row per
-- registered pipeline, its kept counts and the live part, instead of joins to CTEs, which
-- PostgreSQL cannot estimate (10,000 pipelines were planned as 370,000 rows, and the plan's
-- cost made it compile the query to machine code, seconds of it, at every call). A filter on
-- pipeline_id still reaches each branch (one pipeline reads one pipeline's rows).
CREATE OR REPLACE VIEW pipeline_summary AS
SELECT s.pipeline_id,
       COALESCE(s.paused, false)                                AS paused,
       s.succeeded + s.skipped + s.failed + s.pending + s.running AS windows,
       s.pending,
       s.waiting_retry,
       s.running,
       s.succeeded,
       s.skipped,
       s.failed,
       s.last_success_at,
       CASE WHEN s.registered THEN s.newest_done_end
            ELSE (SELECT d.window_end_time
                    FROM pipeline_records d
                   WHERE d.pipeline_id = s.pipeline_id
                     AND d.pipeline_status IN ('SUCCESS', 'SKIPPED')
                   ORDER BY d.window_start_time DESC
                   LIMIT 1) END                              AS last_loaded_window_end,
       s.oldest_pending_window,
       s.last_failure_at
  FROM (SELECT u.pipeline_id,
               bool_or(u.registered)                                  AS registered,
               bool_or(u.paused)                                      AS paused,
               max(u.newest_done_end)                                 AS newest_done_end,
               sum(u.pending)::bigint                                 AS pending,
               sum(u.waiting_retry)::bigint                           AS waiting_retry,
               min(u.pending_start)                                   AS oldest_pending_window,
               sum(u.running)::bigint                                 AS running,
               sum(u.succeeded)::bigint                               AS succeeded,
               sum(u.skipped)::bigint                                 AS skipped,
               sum(u.failed)::bigint                                  AS failed,
               max(u.last_success_at)                                 AS last_success_at,
               max(u.last_failure_at)                                 AS last_failure_at
          FROM (SELECT pipeline_id, true AS registered, paused, newest_done_end,
                       0::bigint AS pending, 0::bigint AS waiting_retry,
                       NULL::timestamptz AS pending_start, 0::bigint AS running,
                       0::bigint AS succeeded, 0::bigint AS skipped, 0::bigint AS failed,
                       NULL::timestamptz AS last_success_at, NULL::timestamptz AS last_failure_at
                  FROM pipelines
                UNION ALL
                SELECT pipeline_id, false, NULL, NULL, 0, 0, NULL, 0, succeeded, skipped, failed,
                       last_success_at, last_failure_at
                  FROM pipeline_counts
                UNION ALL
                SELECT pipeline_id, false, NULL, NULL, 0, 0, NULL, 0, succeeded, skipped, failed,
                       last_success_at, last_failure_at
                  FROM pipeline_count_deltas
                UNION ALL
                SELECT pipeline_id, false, NULL, NULL, 1, (next_attempt_at > now())::int,
                       window_start_time, 0, 0, 0, 0, NULL, NULL
                  FROM pipeline_records
                 WHERE pipeline_status = 'PENDING'
                UNION ALL
                SELECT pipeline_id, false, NULL, NULL, 0, 0, NULL, 1, 0, 0, 0, NULL, NULL
                  FROM pipeline_records
                 WHERE pipeline_status = 'IN_PROGRESS') u
         GROUP BY u.pipeline_id) s
 WHERE s.registered OR s.succeeded + s.skipped + s.failed > 0 OR s.pending > 0 OR s.running > 0;
