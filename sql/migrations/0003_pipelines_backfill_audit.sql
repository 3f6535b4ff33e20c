-- State shared by every sluiced on the database: per-pipeline switches, backfill requests
-- (the trigger flag an operator may also raise with plain SQL), and who did what.

-- One row per pipeline a daemon has registered. The config files stay the truth about which
-- pipelines exist; this table holds what must be the same on every host at once (paused)
-- and what the operator views need from the config (stale_threshold). A pipeline without a
-- row here is simply not paused, so records never depend on it (no foreign key).
CREATE TABLE pipelines (
    pipeline_id     text        PRIMARY KEY,
    paused          boolean     NOT NULL DEFAULT false,
    paused_by       text,
    paused_at       timestamptz,
    config_hash     text,         -- hash of the pipeline's config as last registered
    stale_threshold interval,     -- from the config, for the stuck_windows view
    registered_by   text,         -- host:pid of the daemon that last registered it
    registered_at   timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT pipelines_paused_check CHECK (paused OR (paused_by IS NULL AND paused_at IS NULL))
);

CREATE FUNCTION sluice_touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;

CREATE TRIGGER pipelines_touch
    BEFORE UPDATE ON pipelines
    FOR EACH ROW EXECUTE FUNCTION sluice_touch_updated_at();

-- A request to (re)process a range of windows. `sluicectl backfill` inserts one; so may an
-- operator:
--   INSERT INTO backfill_requests (pipeline_id, from_time, to_time, reprocess)
--   VALUES ('orders', '2024-03-01T00:00Z', '2024-03-08T00:00Z', 'failed');
-- A daemon takes a PENDING request (FOR UPDATE SKIP LOCKED), sets RUNNING and claimed_by,
-- creates or resets the windows, and counts them done.
CREATE TABLE backfill_requests (
    id            bigserial   PRIMARY KEY,
    pipeline_id   text        NOT NULL,
    from_time     timestamptz NOT NULL,
    to_time       timestamptz NOT NULL,
    reprocess     text        NOT NULL DEFAULT 'missing',
    dry_run       boolean     NOT NULL DEFAULT false,
    status        text        NOT NULL DEFAULT 'PENDING',
    requested_by  text        NOT NULL DEFAULT current_user,
    requested_at  timestamptz NOT NULL DEFAULT now(),
    claimed_by    text,         -- host:pid of the daemon running it
    started_at    timestamptz,
    finished_at   timestamptz,
    windows_total integer,
    windows_done  integer     NOT NULL DEFAULT 0,
    message       text,

    CONSTRAINT backfill_requests_range_check CHECK (to_time > from_time),
    CONSTRAINT backfill_requests_reprocess_check
        CHECK (reprocess IN ('missing', 'failed', 'all')),
    CONSTRAINT backfill_requests_status_check
        CHECK (status IN ('PENDING', 'RUNNING', 'DONE', 'FAILED', 'CANCELLED')),
    CONSTRAINT backfill_requests_progress_check
        CHECK (windows_done >= 0 AND (windows_total IS NULL OR windows_total >= 0))
);

COMMENT ON COLUMN backfill_requests.reprocess IS
    'missing: only windows without a record; failed: also FAILED ones; all: every window.';

-- The daemon's poll for work to pick up or follow.
CREATE INDEX backfill_requests_open_idx
    ON backfill_requests (requested_at)
    WHERE status IN ('PENDING', 'RUNNING');

-- What operators did through sluicectl: pause, clear, rerun, backfill, locks release, ...
CREATE TABLE audit_log (
    id          bigserial   PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor       text        NOT NULL DEFAULT current_user, -- os user@host, else the role
    command     text        NOT NULL,                      -- e.g. 'pause', 'records clear'
    pipeline_id text,
    arguments   jsonb       NOT NULL DEFAULT '{}',
    affected    bigint,                                    -- rows changed
    message     text
);

CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_pipeline_idx ON audit_log (pipeline_id, at);
