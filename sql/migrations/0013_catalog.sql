-- The pipeline catalog: pipelines created, updated, rolled back and deleted through the API
-- (or `sluicectl pipelines`), every version kept; and the text of file pipelines as each
-- daemon loaded it, so a record can say which definition ran its window.
--
-- A pipeline's current catalog definition is its newest version when that one has origin
-- 'catalog' and is not deleted. Versions of one pipeline count from 1 whatever their origin.

CREATE TABLE pipeline_definitions (
    seq         bigserial   PRIMARY KEY,  -- the order of every change: the daemons' poll reads max(seq)
    pipeline_id text        NOT NULL,
    version     integer     NOT NULL,
    origin      text        NOT NULL,     -- 'catalog' (the API, sluicectl) or 'file'
    file        text,                     -- origin 'file': the path the daemon read
    yaml        text        NOT NULL,     -- exactly as submitted or read
    checksum    text        NOT NULL,     -- sha256 of yaml, hex
    created_by  text        NOT NULL,     -- the API token's name, user@host, or the daemon's host:pid
    created_at  timestamptz NOT NULL DEFAULT now(),
    comment     text,
    deleted     boolean     NOT NULL DEFAULT false,

    CONSTRAINT pipeline_definitions_version_key UNIQUE (pipeline_id, version),
    CONSTRAINT pipeline_definitions_version_check CHECK (version >= 1),
    CONSTRAINT pipeline_definitions_origin_check CHECK (origin IN ('catalog', 'file')),
    CONSTRAINT pipeline_definitions_file_check CHECK ((origin = 'file') = (file IS NOT NULL)),
    CONSTRAINT pipeline_definitions_checksum_check CHECK (checksum ~ '^[0-9a-f]{64}$')
);

COMMENT ON TABLE pipeline_definitions IS
    'Every version of every pipeline definition: the catalog''s (origin catalog) and the text '
    'of pipeline files as loaded (origin file). Append-only.';

CREATE FUNCTION sluice_refuse_definition_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'pipeline_definitions is append-only: add a version instead'
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER pipeline_definitions_append_only
    BEFORE UPDATE OR DELETE ON pipeline_definitions
    FOR EACH ROW EXECUTE FUNCTION sluice_refuse_definition_change();

-- A catalog change wakes every daemon: they reload the catalog within a second. The
-- payload names the pipeline; file versions stored at load wake nobody.
CREATE FUNCTION sluice_notify_catalog() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('sluice_catalog', NEW.pipeline_id);
    PERFORM pg_notify('sluice_changes',
                      json_build_object('kind', 'pipeline', 'pipeline', NEW.pipeline_id)::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER pipeline_definitions_notify
    AFTER INSERT ON pipeline_definitions
    FOR EACH ROW
    WHEN (NEW.origin = 'catalog')
    EXECUTE FUNCTION sluice_notify_catalog();

-- The definition a window ran with: set by each fenced write of its run.
ALTER TABLE pipeline_records ADD COLUMN config_version integer;

COMMENT ON COLUMN pipeline_records.config_version IS
    'pipeline_definitions.version of the definition the window last ran with (NULL: not run '
    'since the catalog existed).';

-- The claim takes the version each pipeline runs (0: unknown) and passes over a pipeline
-- whose catalog has a newer version: a daemon that has not reloaded yet never runs a window
-- with a definition that was replaced or deleted. Otherwise as in 0012.
DROP FUNCTION sluice_claim(text[], integer[], integer[], text);

CREATE FUNCTION sluice_claim(
    p_pipelines      text[],
    p_live_limits    integer[],
    p_backfill_limits integer[],
    p_versions       integer[],
    p_locked_by      text
) RETURNS SETOF pipeline_records
LANGUAGE plpgsql
-- The candidate scan's estimated cost is above jit_above_cost, and compiling it took 40 ms of
-- every 53 ms claim (200 pipelines with depends_on); the plan runs in about 10 ms without.
SET jit = off
AS $$
DECLARE
    c          record;
    v_running  integer;
    v_claimed  pipeline_records;
    v_now      timestamptz;
    v_pass     integer;
    v_busy     boolean := false;
BEGIN
    -- Two passes: the first skips a pipeline another claimer holds (pg_try_advisory_xact_lock)
    -- and takes the next pipeline's window instead of queueing behind it; only when nothing
    -- else was claimable does the second wait for the held ones. Workers of several daemons
    -- thus spread over pipelines instead of taking turns on the oldest one.
    FOR v_pass IN 1..2 LOOP
        EXIT WHEN v_pass = 2 AND NOT v_busy;
        FOR c IN
            -- Every pipeline's frontier in one join (one aggregate per pipeline cost 5 ms
            -- at 200 pipelines).
            WITH g AS (SELECT dep.pipeline_id,
                              min(coalesce(up.newest_done_end, '-infinity')) AS frontier
                         FROM pipeline_dependencies dep
                         LEFT JOIN pipelines up ON up.pipeline_id = dep.upstream_id
                        GROUP BY dep.pipeline_id)
            SELECT l.pipeline_id, l.live_limit, l.backfill_limit, w.is_backfill, w.window_start_time,
                   g.frontier
              FROM unnest(p_pipelines, p_live_limits, p_backfill_limits, p_versions)
                       AS l(pipeline_id, live_limit, backfill_limit, version)
              LEFT JOIN pipelines p ON p.pipeline_id = l.pipeline_id
              LEFT JOIN g ON g.pipeline_id = l.pipeline_id
             CROSS JOIN LATERAL (
                   SELECT b.is_backfill,
                          (SELECT r.window_start_time
                             FROM pipeline_records r
                            WHERE r.pipeline_id = l.pipeline_id
                              AND r.pipeline_status = 'PENDING'
                              AND (r.trigger = 'backfill') = b.is_backfill
                              AND (r.next_attempt_at IS NULL OR r.next_attempt_at <= now())
                              AND r.window_start_time < coalesce(g.frontier, 'infinity')
                              AND r.window_end_time <= coalesce(g.frontier, 'infinity')
                              AND (g.frontier IS NULL OR NOT EXISTS (
                                     SELECT 1 FROM pipeline_dependencies d
                                      WHERE d.pipeline_id = r.pipeline_id AND d.mode = 'windows'
                                        AND (SELECT coalesce(sum(extract(epoch FROM
                                                    least(u.window_end_time, r.window_end_time)
                                                    - greatest(u.window_start_time,
                                                               r.window_start_time))), 0)
                                               FROM pipeline_records u
                                              WHERE u.pipeline_id = d.upstream_id
                                                AND u.window_start_time
                                                    > r.window_start_time - d.upstream_span
                                                AND u.window_start_time < r.window_end_time
                                                AND u.window_end_time > r.window_start_time
                                                AND u.pipeline_status IN ('SUCCESS', 'SKIPPED'))
                                            < extract(epoch FROM r.window_end_time
                                                                 - r.window_start_time)))
                            ORDER BY r.window_start_time
                            LIMIT 1) AS window_start_time
                     FROM (VALUES (false), (true)) AS b(is_backfill)) w
             WHERE NOT coalesce(p.paused, false)
               AND w.window_start_time IS NOT NULL
               -- A claimer still running an older definition than the catalog's newest
               -- (updated or deleted a moment ago; its reload is on the way) leaves the
               -- pipeline's windows to those that run the current one.
               AND (l.version = 0 OR NOT EXISTS (
                      SELECT 1 FROM pipeline_definitions d
                       WHERE d.pipeline_id = l.pipeline_id AND d.origin = 'catalog'
                         AND d.version > l.version))
             ORDER BY w.is_backfill, w.window_start_time
        LOOP
            IF v_pass = 1 THEN
                IF NOT pg_try_advisory_xact_lock(hashtextextended('sluice.claim.' || c.pipeline_id,
                                                                  0)) THEN
                    v_busy := true;
                    CONTINUE;
                END IF;
            ELSE
                PERFORM pg_advisory_xact_lock(hashtextextended('sluice.claim.' || c.pipeline_id, 0));
            END IF;
            SELECT count(*) INTO v_running
              FROM pipeline_records r
             WHERE r.pipeline_id = c.pipeline_id
               AND r.pipeline_status = 'IN_PROGRESS'
               AND (r.trigger = 'backfill') = c.is_backfill;
            CONTINUE WHEN v_running >= CASE WHEN c.is_backfill THEN c.backfill_limit
                                            ELSE c.live_limit END;

            v_now := clock_timestamp();
            UPDATE pipeline_records r
               SET pipeline_status     = 'IN_PROGRESS',
                   dag_run_id          = r.trigger || '__' ||
                                         to_char(v_now AT TIME ZONE 'UTC',
                                                 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'),
                   locked_by           = p_locked_by,
                   pipeline_locked_at  = now(),
                   heartbeat_at        = now(),
                   pipeline_start_time = coalesce(r.pipeline_start_time, now()),
                   pipeline_end_time   = NULL
             WHERE r.id = (SELECT q.id
                             FROM pipeline_records q
                            WHERE q.pipeline_id = c.pipeline_id
                              AND q.pipeline_status = 'PENDING'
                              AND (q.trigger = 'backfill') = c.is_backfill
                              AND (q.next_attempt_at IS NULL OR q.next_attempt_at <= now())
                              AND q.window_start_time < coalesce(c.frontier, 'infinity')
                              AND q.window_end_time <= coalesce(c.frontier, 'infinity')
                              AND (c.frontier IS NULL OR NOT EXISTS (
                                     SELECT 1 FROM pipeline_dependencies d
                                      WHERE d.pipeline_id = q.pipeline_id AND d.mode = 'windows'
                                        AND (SELECT coalesce(sum(extract(epoch FROM
                                                    least(u.window_end_time, q.window_end_time)
                                                    - greatest(u.window_start_time,
                                                               q.window_start_time))), 0)
                                               FROM pipeline_records u
                                              WHERE u.pipeline_id = d.upstream_id
                                                AND u.window_start_time
                                                    > q.window_start_time - d.upstream_span
                                                AND u.window_start_time < q.window_end_time
                                                AND u.window_end_time > q.window_start_time
                                                AND u.pipeline_status IN ('SUCCESS', 'SKIPPED'))
                                            < extract(epoch FROM q.window_end_time
                                                                 - q.window_start_time)))
                            ORDER BY q.window_start_time
                            LIMIT 1
                              FOR UPDATE SKIP LOCKED)
            RETURNING r.* INTO v_claimed;

            IF FOUND THEN
                INSERT INTO pipeline_events (record_id, pipeline_id, dag_run_id, task, from_status,
                                             to_status, outcome, started_at, ended_at, host)
                -- clock_timestamp(), not now(): the claim happened after every upstream window
                -- it checked had committed, which the transaction's start does not say.
                VALUES (v_claimed.id, v_claimed.pipeline_id, v_claimed.dag_run_id, 'claim',
                        'PENDING', 'IN_PROGRESS', 'CLAIMED', clock_timestamp(), clock_timestamp(),
                        p_locked_by);
                RETURN NEXT v_claimed;
                RETURN;
            END IF;
        END LOOP;
    END LOOP;
END
$$;

