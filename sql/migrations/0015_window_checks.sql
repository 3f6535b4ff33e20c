-- Data checks (`checks:` of a pipeline): the outcome of each check of each run of a window,
-- and the notifications they cause.
--
-- The rows are written by the audit's fenced write (framework/store/records.cpp), in the
-- statement that records the audit's outcome: a run that lost its lock writes none, and a
-- window is never SUCCESS or FAILED by a check without its rows. Each run of a window adds
-- its own rows (run_id tells them apart); they go with their record (retention, clear).

CREATE TABLE window_checks (
    id          bigserial   PRIMARY KEY,
    record_id   bigint      NOT NULL REFERENCES pipeline_records (id) ON DELETE CASCADE,
    pipeline_id text        NOT NULL,
    run_id      text        NOT NULL,
    check_name  text        NOT NULL,
    kind        text        NOT NULL,
    severity    text        NOT NULL,
    passed      boolean     NOT NULL,
    observed    numeric,        -- the figure judged: rows with NULL, duplicate rows, |sum
                                -- difference|, rows returned, the number returned; NULL: none
    message     text,
    checked_at  timestamptz NOT NULL DEFAULT clock_timestamp(),

    CONSTRAINT window_checks_kind_check CHECK (kind IN ('not_null', 'unique', 'sum_match', 'sql')),
    CONSTRAINT window_checks_severity_check CHECK (severity IN ('error', 'warn'))
);

CREATE INDEX window_checks_record_idx ON window_checks (record_id, id);
CREATE INDEX window_checks_failed_idx ON window_checks (pipeline_id, checked_at) WHERE NOT passed;

COMMENT ON TABLE window_checks IS
    'One row per data check per run of a window, written with the audit''s outcome.';

-- A check of severity error that fails ends the window FAILED with this audit_result (the
-- counts may have passed: count_difference says).
ALTER TABLE pipeline_records DROP CONSTRAINT pipeline_records_audit_result_check;
ALTER TABLE pipeline_records ADD CONSTRAINT pipeline_records_audit_result_check
    CHECK (audit_result IN ('PASS', 'FAIL', 'ACCEPTED', 'CHECK_FAILED'));

-- Two kinds of notification: `check_failed` (a window FAILED by a check of severity error,
-- told apart from an audit mismatch by the record's audit_result, which the same statement
-- wrote) and `check_warning` (a check of severity warn failed; the window goes on).
ALTER TABLE notifications DROP CONSTRAINT notifications_event_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_event_check CHECK (event IN (
    'window_failed', 'window_retry', 'window_succeeded', 'audit_mismatch', 'sla_missed',
    'stale_lock_freed', 'backfill_done', 'backfill_failed', 'config_error', 'check_failed',
    'check_warning'));

CREATE OR REPLACE FUNCTION sluice_notification_from_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.task = 'stale_lock_cleanup' THEN
        PERFORM sluice_notification_add('stale_lock_freed', NEW);
    END IF;
    IF NEW.from_status = 'IN_PROGRESS' AND NEW.to_status = 'FAILED' THEN
        IF NEW.task <> 'audit' THEN
            PERFORM sluice_notification_add('window_failed', NEW);
        ELSIF EXISTS (SELECT 1 FROM pipeline_records
                       WHERE id = NEW.record_id AND audit_result = 'CHECK_FAILED') THEN
            PERFORM sluice_notification_add('check_failed', NEW);
        ELSE
            PERFORM sluice_notification_add('audit_mismatch', NEW);
        END IF;
    ELSIF NEW.outcome = 'RETRY' THEN
        PERFORM sluice_notification_add('window_retry', NEW);
    ELSIF NEW.from_status = 'IN_PROGRESS' AND NEW.to_status = 'SUCCESS' THEN
        PERFORM sluice_notification_add('window_succeeded', NEW);
    END IF;
    RETURN NULL;
END
$$;

-- One notification per failed warn check, when some channel of the pipeline listens.
CREATE FUNCTION sluice_notification_from_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pipelines
                    WHERE pipeline_id = NEW.pipeline_id
                      AND 'check_warning' = ANY (notify_events)) THEN
        RETURN NULL;
    END IF;
    INSERT INTO notifications (event, pipeline_id, record_id, window_start, window_end, run_id,
                               message)
    SELECT 'check_warning', NEW.pipeline_id, NEW.record_id, r.window_start_time,
           r.window_end_time, NEW.run_id,
           'check ''' || NEW.check_name || ''' (warn) failed: ' || coalesce(NEW.message, '')
      FROM pipeline_records r WHERE r.id = NEW.record_id;
    RETURN NULL;
END
$$;

CREATE TRIGGER window_checks_notification
    AFTER INSERT ON window_checks
    FOR EACH ROW
    WHEN (NOT NEW.passed AND NEW.severity = 'warn')
    EXECUTE FUNCTION sluice_notification_from_check();
