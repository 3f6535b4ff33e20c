-- The append-only history of every record: one row per status transition or task outcome.
-- It answers "what happened to this window, on which host, under which run ID", and lets a
-- test prove that no window was ever held by two live run IDs at once.

CREATE TABLE pipeline_events (
    id          bigserial   PRIMARY KEY,
    record_id   bigint      NOT NULL REFERENCES pipeline_records (id) ON DELETE CASCADE,
    pipeline_id text        NOT NULL,
    dag_run_id  text,
    task        text        NOT NULL,  -- store_validate, pre_validation, source_to_stage,
                                       -- stage_to_target, audit, stale_lock_cleanup, operator
    from_status text,                  -- pipeline_status before, when the event moved it
    to_status   text,                  -- pipeline_status after
    outcome     text        NOT NULL,  -- e.g. STARTED, SUCCESS, SKIPPED, RETRY, FAILED, LOCK_LOST
    started_at  timestamptz,
    ended_at    timestamptz,
    rows        bigint,
    message     text,
    host        text,                  -- host:pid that wrote the event
    created_at  timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT pipeline_events_from_status_check
        CHECK (from_status IN ('PENDING', 'IN_PROGRESS', 'SUCCESS', 'SKIPPED', 'FAILED')),
    CONSTRAINT pipeline_events_to_status_check
        CHECK (to_status IN ('PENDING', 'IN_PROGRESS', 'SUCCESS', 'SKIPPED', 'FAILED')),
    CONSTRAINT pipeline_events_time_order
        CHECK (ended_at IS NULL OR started_at IS NULL OR ended_at >= started_at)
);

COMMENT ON TABLE pipeline_events IS
    'Append-only history of pipeline_records: one row per transition or task outcome.';

-- A record's history in order (records show), and the foreign key's cascade.
CREATE INDEX pipeline_events_record_idx ON pipeline_events (record_id, id);
-- Recent activity and retention pruning.
CREATE INDEX pipeline_events_time_idx ON pipeline_events (created_at);

-- History is written once: an UPDATE is a bug somewhere, so it is refused. Rows leave only
-- by retention (DELETE) or with their record (ON DELETE CASCADE).
CREATE FUNCTION sluice_refuse_event_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'pipeline_events is append-only (event %)', OLD.id
        USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TRIGGER pipeline_events_append_only
    BEFORE UPDATE ON pipeline_events
    FOR EACH ROW EXECUTE FUNCTION sluice_refuse_event_update();
