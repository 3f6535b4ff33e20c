-- Operator actions: a FAILED window accepted as it is (`sluicectl mark-success`), and a
-- reload forced past pre-validation's "already loaded" shortcut (`--force` on rerun and on
-- backfill --reprocess all).

-- mark-success: SUCCESS with audit_result 'ACCEPTED', so an accepted window is never taken
-- for one whose audit passed. The old check held only PASS and FAIL; every row keeps it.
ALTER TABLE pipeline_records DROP CONSTRAINT pipeline_records_audit_result_check;
ALTER TABLE pipeline_records ADD CONSTRAINT pipeline_records_audit_result_check
    CHECK (audit_result IN ('PASS', 'FAIL', 'ACCEPTED'));

-- Set by a forced rerun or backfill, read by whichever daemon claims the window, cleared
-- when the window ends (SUCCESS, SKIPPED, FAILED). A plain rerun clears it too.
ALTER TABLE pipeline_records ADD COLUMN force_reload boolean NOT NULL DEFAULT false;

COMMENT ON COLUMN pipeline_records.force_reload IS
    'Reload even when pre-validation finds equal counts (rerun/backfill --force); the audit '
    'still runs. Cleared when the window ends.';

-- A forced backfill reloads every window of its range, so only with reprocess 'all' (the
-- other modes leave the loaded windows alone).
ALTER TABLE backfill_requests ADD COLUMN force boolean NOT NULL DEFAULT false;
ALTER TABLE backfill_requests ADD CONSTRAINT backfill_requests_force_check
    CHECK (NOT force OR reprocess = 'all');

COMMENT ON COLUMN backfill_requests.force IS
    'With reprocess all: the range''s windows reload even when pre-validation finds equal '
    'counts.';
