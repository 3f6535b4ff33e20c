-- Live updates for the web console: the daemons LISTEN on sluice_changes and forward each
-- payload to the console's open event streams (GET /api/v1/events). The payload is a small
-- JSON object naming what changed, never a value from a row:
--   {"kind": "record",   "pipeline": "<id>"}            a record appeared, changed status
--                                                        or was deleted
--   {"kind": "backfill", "pipeline": "<id>", "id": <n>} a backfill request appeared or changed
--   {"kind": "pipeline", "pipeline": "<id>"}            paused or unpaused
-- PostgreSQL folds identical notifications of one transaction, so a statement that changes
-- 10,000 windows of a pipeline sends one. Heartbeats and fenced writes that leave the status
-- alone pay nothing: the WHEN clauses run without calling a function.

CREATE FUNCTION sluice_console_record_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('sluice_changes',
                      json_build_object('kind', 'record', 'pipeline', NEW.pipeline_id)::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER pipeline_records_console_status
    AFTER UPDATE OF pipeline_status ON pipeline_records
    FOR EACH ROW
    WHEN (OLD.pipeline_status IS DISTINCT FROM NEW.pipeline_status)
    EXECUTE FUNCTION sluice_console_record_changed();

CREATE FUNCTION sluice_console_records_touched() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('sluice_changes',
                      json_build_object('kind', 'record', 'pipeline', p.pipeline_id)::text)
       FROM (SELECT DISTINCT pipeline_id FROM changed) p;
    RETURN NULL;
END
$$;

CREATE TRIGGER pipeline_records_console_insert
    AFTER INSERT ON pipeline_records
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION sluice_console_records_touched();

CREATE TRIGGER pipeline_records_console_delete
    AFTER DELETE ON pipeline_records
    REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION sluice_console_records_touched();

CREATE FUNCTION sluice_console_backfill_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('sluice_changes',
                      json_build_object('kind', 'backfill', 'pipeline', NEW.pipeline_id,
                                        'id', NEW.id)::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER backfill_requests_console_insert
    AFTER INSERT ON backfill_requests
    FOR EACH ROW EXECUTE FUNCTION sluice_console_backfill_changed();

CREATE TRIGGER backfill_requests_console_update
    AFTER UPDATE ON backfill_requests
    FOR EACH ROW
    WHEN (OLD.* IS DISTINCT FROM NEW.*)
    EXECUTE FUNCTION sluice_console_backfill_changed();

CREATE FUNCTION sluice_console_pipeline_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('sluice_changes',
                      json_build_object('kind', 'pipeline', 'pipeline', NEW.pipeline_id)::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER pipelines_console_paused
    AFTER UPDATE OF paused ON pipelines
    FOR EACH ROW
    WHEN (OLD.paused IS DISTINCT FROM NEW.paused)
    EXECUTE FUNCTION sluice_console_pipeline_changed();
