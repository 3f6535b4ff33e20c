-- What is each pipeline doing? One row per pipeline: counts by status, how far loading has
-- got, the oldest window still waiting, and whether it is paused.
--   psql "$SLUICE_DATABASE_URL" -f sql/queries/backlog.sql
SELECT pipeline_id,
       paused,
       pending,
       waiting_retry,            -- PENDING, but backing off until next_attempt_at
       running,
       failed,
       last_loaded_window_end,   -- end of the latest SUCCESS/SKIPPED window
       now() - last_loaded_window_end AS behind,
       oldest_pending_window,
       last_success_at
  FROM pipeline_summary
 ORDER BY failed DESC, pending DESC, pipeline_id;
