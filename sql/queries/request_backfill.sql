-- Backfill without sluicectl: insert a request; a running sluiced is woken at once
-- (NOTIFY sluice_backfill) and creates or resets the windows of [from_time, to_time).
--   reprocess: 'missing' (only windows without a record), 'failed' (also FAILED ones),
--              'all' (every window, loaded or not)
--   dry_run:   true only counts the windows (windows_total) and changes nothing
INSERT INTO backfill_requests (pipeline_id, from_time, to_time, reprocess, dry_run, requested_by)
VALUES ('orders', '2024-03-01T00:00Z', '2024-03-08T00:00Z', 'failed', false, 'ops@example')
RETURNING id;

-- Follow it (status PENDING -> RUNNING -> DONE, or FAILED with a message):
SELECT id, pipeline_id, status, windows_done, windows_total, claimed_by, message,
       finished_at - started_at AS took
  FROM backfill_requests
 ORDER BY id DESC
 LIMIT 10;

-- Cancel it (the daemon stops creating windows; windows already claimed finish):
-- UPDATE backfill_requests SET status = 'CANCELLED' WHERE id = 42 AND status IN ('PENDING', 'RUNNING');
