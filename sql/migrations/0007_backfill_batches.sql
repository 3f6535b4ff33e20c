-- Backfill requests are planned in batches, each its own transaction, so a request of a
-- million windows never holds its processor (or a lock) for long, and a processor that stops
-- (SIGTERM, a crash) leaves the request where its last batch ended for the next to resume.
--
-- While planned_until < to_time the request stays PENDING, and so takeable by any processor;
-- windows_total and the counts below add up over its batches. It becomes RUNNING when the
-- last batch is planned, or FAILED at once when its range holds more windows than the
-- processor's scheduler.backfill_max_windows.
ALTER TABLE backfill_requests
    ADD COLUMN planned_until   timestamptz,
    ADD COLUMN windows_created integer NOT NULL DEFAULT 0,
    ADD COLUMN windows_reset   integer NOT NULL DEFAULT 0,
    ADD COLUMN windows_running integer NOT NULL DEFAULT 0;

COMMENT ON COLUMN backfill_requests.planned_until IS
    'Window starts before this are planned (created or reset); NULL until the first batch.';
COMMENT ON COLUMN backfill_requests.windows_created IS
    'Records inserted by this request, over all its batches.';
COMMENT ON COLUMN backfill_requests.windows_reset IS
    'Records set back to PENDING per reprocess, over all its batches.';
COMMENT ON COLUMN backfill_requests.windows_running IS
    'IN_PROGRESS records of the range left to their run, over all its batches.';
