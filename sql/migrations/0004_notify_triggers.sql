-- Wake-ups for the daemons' LISTEN: polling stays the fallback, these make the common case
-- immediate. Payloads are small and PostgreSQL folds identical notifications of one
-- transaction into one, so a batch of 10,000 new windows wakes each daemon once.
--
--   sluice_records   payload pipeline_id  work to claim: PENDING records appeared, a record
--                                         went back to PENDING, or a pipeline was unpaused
--   sluice_backfill  payload request id   a backfill request appeared, was re-queued or
--                                         cancelled

-- New records: one statement-level trigger per INSERT, one notification per pipeline.
CREATE FUNCTION sluice_notify_inserted_records() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('sluice_records', p.pipeline_id)
       FROM (SELECT DISTINCT pipeline_id FROM inserted WHERE pipeline_status = 'PENDING') p;
    RETURN NULL;
END
$$;

CREATE TRIGGER pipeline_records_notify_insert
    AFTER INSERT ON pipeline_records
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION sluice_notify_inserted_records();

-- Records returning to PENDING (retry, stale-lock cleanup, clear, rerun, backfill reset).
-- The WHEN clause runs without calling the function, so heartbeats and fenced writes pay
-- nothing for this trigger.
CREATE FUNCTION sluice_notify_pending_record() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('sluice_records', NEW.pipeline_id);
    RETURN NULL;
END
$$;

CREATE TRIGGER pipeline_records_notify_pending
    AFTER UPDATE OF pipeline_status ON pipeline_records
    FOR EACH ROW
    WHEN (NEW.pipeline_status = 'PENDING' AND OLD.pipeline_status <> 'PENDING')
    EXECUTE FUNCTION sluice_notify_pending_record();

-- An unpaused pipeline may have a backlog waiting.
CREATE TRIGGER pipelines_notify_unpaused
    AFTER UPDATE OF paused ON pipelines
    FOR EACH ROW
    WHEN (OLD.paused AND NOT NEW.paused)
    EXECUTE FUNCTION sluice_notify_pending_record();

CREATE FUNCTION sluice_notify_backfill() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('sluice_backfill', NEW.id::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER backfill_requests_notify_insert
    AFTER INSERT ON backfill_requests
    FOR EACH ROW
    WHEN (NEW.status = 'PENDING')
    EXECUTE FUNCTION sluice_notify_backfill();

CREATE TRIGGER backfill_requests_notify_status
    AFTER UPDATE OF status ON backfill_requests
    FOR EACH ROW
    WHEN (NEW.status IN ('PENDING', 'CANCELLED') AND OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION sluice_notify_backfill();
