-- Notifications: a transactional outbox and its deliveries.
--
-- `notifications` is the outbox. A row is written by a trigger in the very transaction that
-- causes it (the task write that fails a window, the cleanup that frees a stale lock, the
-- backfill that ends), so a notification exists exactly when its cause committed: a daemon
-- killed a moment later loses nothing, a rolled-back change notifies nobody. Lateness and
-- quarantined pipelines are written by the daemons, once each (dedupe_key).
--
-- A daemon that has the pipeline loaded expands each row into one `notification_deliveries`
-- row per channel that subscribes to it (its config names the channels and holds their
-- secrets; the database holds neither). Delivery locks a `notification_streams` row (one per
-- pipeline and channel) with FOR UPDATE SKIP LOCKED, so one daemon sends what is due on a
-- stream however many run, sends it as one message (a digest when more than one is due),
-- and marks it sent, retried later, or given up, in the transaction that held the lock.

CREATE TABLE notifications (
    id           bigserial   PRIMARY KEY,
    event        text        NOT NULL,
    pipeline_id  text        NOT NULL,
    record_id    bigint,       -- no foreign key: retention may remove the record first
    backfill_id  bigint,
    window_start timestamptz,
    window_end   timestamptz,
    run_id       text,
    message      text,
    dedupe_key   text,         -- one notification per key (lateness, config errors)
    created_at   timestamptz NOT NULL DEFAULT now(),
    expanded_at  timestamptz,  -- when its deliveries were made; NULL: not yet

    CONSTRAINT notifications_event_check CHECK (event IN (
        'window_failed', 'window_retry', 'window_succeeded', 'audit_mismatch', 'sla_missed',
        'stale_lock_freed', 'backfill_done', 'backfill_failed', 'config_error'))
);

CREATE UNIQUE INDEX notifications_dedupe_idx ON notifications (dedupe_key)
    WHERE dedupe_key IS NOT NULL;
CREATE INDEX notifications_unexpanded_idx ON notifications (id) WHERE expanded_at IS NULL;
CREATE INDEX notifications_time_idx ON notifications (created_at);

CREATE TABLE notification_deliveries (
    id              bigserial   PRIMARY KEY,
    notification_id bigint      NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    pipeline_id     text        NOT NULL,
    channel         text        NOT NULL,  -- email, webhook:NAME, daemon/email, daemon/webhook:NAME
    status          text        NOT NULL DEFAULT 'pending',
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    message_id      text,                  -- the message (single or digest) that carried it
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,           -- delivered or given up

    CONSTRAINT notification_deliveries_status_check
        CHECK (status IN ('pending', 'sent', 'given_up')),
    CONSTRAINT notification_deliveries_once UNIQUE (notification_id, channel)
);

CREATE INDEX notification_deliveries_due_idx
    ON notification_deliveries (pipeline_id, channel, id) WHERE status = 'pending';
CREATE INDEX notification_deliveries_notification_idx
    ON notification_deliveries (notification_id);
CREATE INDEX notification_deliveries_time_idx ON notification_deliveries (created_at);

CREATE TABLE notification_streams (
    pipeline_id  text        NOT NULL,
    channel      text        NOT NULL,
    last_sent_at timestamptz,
    PRIMARY KEY (pipeline_id, channel)
);

-- Which events of a pipeline some channel listens to, as its daemons registered them: the
-- triggers write nothing for the rest (a success nobody asked about costs nothing).
ALTER TABLE pipelines ADD COLUMN notify_events text[] NOT NULL DEFAULT '{}';

CREATE FUNCTION sluice_notification_add(kind text, e pipeline_events) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pipelines
                    WHERE pipeline_id = e.pipeline_id AND kind = ANY (notify_events)) THEN
        RETURN;
    END IF;
    INSERT INTO notifications (event, pipeline_id, record_id, window_start, window_end, run_id,
                               message)
    SELECT kind, e.pipeline_id, e.record_id, r.window_start_time, r.window_end_time,
           e.dag_run_id, e.message
      FROM pipeline_records r WHERE r.id = e.record_id;
END
$$;

-- A task outcome or a cleanup, as pipeline_events records it, read as notifications.
CREATE FUNCTION sluice_notification_from_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.task = 'stale_lock_cleanup' THEN
        PERFORM sluice_notification_add('stale_lock_freed', NEW);
    END IF;
    IF NEW.from_status = 'IN_PROGRESS' AND NEW.to_status = 'FAILED' THEN
        PERFORM sluice_notification_add(
            CASE WHEN NEW.task = 'audit' THEN 'audit_mismatch' ELSE 'window_failed' END, NEW);
    ELSIF NEW.outcome = 'RETRY' THEN
        PERFORM sluice_notification_add('window_retry', NEW);
    ELSIF NEW.from_status = 'IN_PROGRESS' AND NEW.to_status = 'SUCCESS' THEN
        PERFORM sluice_notification_add('window_succeeded', NEW);
    END IF;
    RETURN NULL;
END
$$;

-- Heartbeats and intermediate task outcomes pay nothing: the WHEN clause runs without
-- calling a function.
CREATE TRIGGER pipeline_events_notification
    AFTER INSERT ON pipeline_events
    FOR EACH ROW
    WHEN (NEW.to_status IN ('FAILED', 'SUCCESS') OR NEW.outcome IN ('RETRY', 'EXPIRED'))
    EXECUTE FUNCTION sluice_notification_from_event();

CREATE FUNCTION sluice_notification_from_backfill() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    kind text := CASE NEW.status WHEN 'DONE' THEN 'backfill_done' ELSE 'backfill_failed' END;
BEGIN
    IF EXISTS (SELECT 1 FROM pipelines
                WHERE pipeline_id = NEW.pipeline_id AND kind = ANY (notify_events)) THEN
        INSERT INTO notifications (event, pipeline_id, backfill_id, window_start, window_end,
                                   message)
        VALUES (kind, NEW.pipeline_id, NEW.id, NEW.from_time, NEW.to_time, NEW.message);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER backfill_requests_notification
    AFTER UPDATE OF status ON backfill_requests
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status AND NEW.status IN ('DONE', 'FAILED'))
    EXECUTE FUNCTION sluice_notification_from_backfill();

-- Wakes the senders: one NOTIFY per transaction (PostgreSQL folds identical ones).
CREATE FUNCTION sluice_notification_wake() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('sluice_notifications', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER notifications_wake
    AFTER INSERT ON notifications
    FOR EACH STATEMENT EXECUTE FUNCTION sluice_notification_wake();
