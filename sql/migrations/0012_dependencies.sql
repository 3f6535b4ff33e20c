-- Pipelines that depend on others (`depends_on`): the edges each daemon registers from its
-- config, the end of each pipeline's newest finished window, and the claim that checks both.
--
-- A child's window may be claimed only when its upstream windows allow it; the check is
-- inside sluice_claim, so every daemon agrees and no host-side check can race a claim.

CREATE TABLE pipeline_dependencies (
    pipeline_id   text     NOT NULL,
    upstream_id   text     NOT NULL,
    mode          text     NOT NULL,
    -- The longest window the upstream can have (its granularity, a DST hour and a margin):
    -- the overlap scan starts this far before the child's window, on the window index.
    upstream_span interval NOT NULL,
    PRIMARY KEY (pipeline_id, upstream_id),
    CONSTRAINT pipeline_dependencies_mode_check CHECK (mode IN ('windows', 'latest'))
);

COMMENT ON TABLE pipeline_dependencies IS
    'depends_on edges, replaced per pipeline at each registration; read by sluice_claim.';

-- A finished window wakes the daemons for its children (sluice_track_done).
CREATE INDEX pipeline_dependencies_upstream_idx ON pipeline_dependencies (upstream_id);

-- The claim looks for a pipeline's oldest PENDING window of each kind (live, backfill): with
-- the kind in the key, a pipeline without backfill windows costs one index probe, not a walk
-- over its live backlog. It replaces 0001's index without the kind.
DROP INDEX pipeline_records_claim_idx;
CREATE INDEX pipeline_records_claim_kind_idx
    ON pipeline_records (pipeline_id, (trigger = 'backfill'), window_start_time)
    INCLUDE (next_attempt_at)
    WHERE pipeline_status = 'PENDING';

-- The end of the newest SUCCESS or SKIPPED window. No child window can be ready past it, so
-- the claim never walks a child's backlog beyond it; `latest` dependencies read nothing
-- else. Kept exact by a trigger, also when a finished window is rerun or deleted.
ALTER TABLE pipelines ADD COLUMN newest_done_end timestamptz;
UPDATE pipelines p
   SET newest_done_end = (SELECT max(r.window_end_time) FROM pipeline_records r
                           WHERE r.pipeline_id = p.pipeline_id
                             AND r.pipeline_status IN ('SUCCESS', 'SKIPPED'));

COMMENT ON COLUMN pipelines.newest_done_end IS
    'End of the newest SUCCESS or SKIPPED window (trigger-maintained); the dependency frontier.';

-- A window that finishes may be the last one a child window waited for: the children's
-- daemons are woken on sluice_records (0004), as for new work, instead of at their next poll.
CREATE FUNCTION sluice_track_done() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'DELETE' AND NEW.pipeline_status IN ('SUCCESS', 'SKIPPED') THEN
        UPDATE pipelines
           SET newest_done_end = NEW.window_end_time
         WHERE pipeline_id = NEW.pipeline_id
           AND (newest_done_end IS NULL OR newest_done_end < NEW.window_end_time);
        PERFORM pg_notify('sluice_records', d.pipeline_id)
           FROM pipeline_dependencies d
          WHERE d.upstream_id = NEW.pipeline_id;
    END IF;
    IF TG_OP <> 'INSERT' AND OLD.pipeline_status IN ('SUCCESS', 'SKIPPED')
       AND (TG_OP = 'DELETE' OR NEW.pipeline_status NOT IN ('SUCCESS', 'SKIPPED')) THEN
        UPDATE pipelines p
           SET newest_done_end = (SELECT r.window_end_time
                                    FROM pipeline_records r
                                   WHERE r.pipeline_id = OLD.pipeline_id
                                     AND r.pipeline_status IN ('SUCCESS', 'SKIPPED')
                                     AND r.id <> OLD.id
                                   ORDER BY r.window_start_time DESC
                                   LIMIT 1)
         WHERE p.pipeline_id = OLD.pipeline_id
           AND p.newest_done_end = OLD.window_end_time;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER pipeline_records_track_done_insert
    AFTER INSERT ON pipeline_records
    FOR EACH ROW
    WHEN (NEW.pipeline_status IN ('SUCCESS', 'SKIPPED'))
    EXECUTE FUNCTION sluice_track_done();
CREATE TRIGGER pipeline_records_track_done_update
    AFTER UPDATE OF pipeline_status ON pipeline_records
    FOR EACH ROW
    WHEN (OLD.pipeline_status IS DISTINCT FROM NEW.pipeline_status
          AND (NEW.pipeline_status IN ('SUCCESS', 'SKIPPED')
               OR OLD.pipeline_status IN ('SUCCESS', 'SKIPPED')))
    EXECUTE FUNCTION sluice_track_done();
CREATE TRIGGER pipeline_records_track_done_delete
    AFTER DELETE ON pipeline_records
    FOR EACH ROW
    WHEN (OLD.pipeline_status IN ('SUCCESS', 'SKIPPED'))
    EXECUTE FUNCTION sluice_track_done();

CREATE FUNCTION sluice_utc_text(t timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
$$;

-- What a window of `p_pipeline` over [p_start, p_end) waits for; NULL when nothing: the
-- first upstream (by id) that holds it, with the upstream window (or the gap where a window
-- does not exist yet) and that window's status. `status`, `records show` and the API show it.
CREATE FUNCTION sluice_waiting_on(p_pipeline text, p_start timestamptz, p_end timestamptz)
RETURNS text LANGUAGE plpgsql STABLE AS $$
DECLARE
    d    record;
    u    record;
    v_at timestamptz;
BEGIN
    FOR d IN
        SELECT dep.upstream_id, dep.mode, dep.upstream_span, up.newest_done_end
          FROM pipeline_dependencies dep
          LEFT JOIN pipelines up ON up.pipeline_id = dep.upstream_id
         WHERE dep.pipeline_id = p_pipeline
         ORDER BY dep.upstream_id
    LOOP
        IF d.mode = 'latest' THEN
            IF d.newest_done_end IS NULL THEN
                RETURN format('waiting on %s (latest): no successful window yet', d.upstream_id);
            ELSIF d.newest_done_end < p_end THEN
                RETURN format('waiting on %s (latest): its newest successful window ends %s',
                              d.upstream_id, sluice_utc_text(d.newest_done_end));
            END IF;
            CONTINUE;
        END IF;
        -- Upstream windows tile time: walk the ones overlapping [p_start, p_end) in order.
        v_at := p_start;
        FOR u IN
            SELECT r.window_start_time, r.window_end_time, r.pipeline_status
              FROM pipeline_records r
             WHERE r.pipeline_id = d.upstream_id
               AND r.window_start_time > p_start - d.upstream_span
               AND r.window_start_time < p_end
               AND r.window_end_time > p_start
             ORDER BY r.window_start_time
        LOOP
            IF u.window_start_time > v_at THEN
                RETURN format('waiting on %s [%s, %s): no window yet', d.upstream_id,
                              sluice_utc_text(v_at), sluice_utc_text(u.window_start_time));
            END IF;
            IF u.pipeline_status NOT IN ('SUCCESS', 'SKIPPED') THEN
                RETURN format('waiting on %s [%s, %s) %s', d.upstream_id,
                              sluice_utc_text(u.window_start_time),
                              sluice_utc_text(u.window_end_time), u.pipeline_status);
            END IF;
            v_at := greatest(v_at, u.window_end_time);
        END LOOP;
        IF v_at < p_end THEN
            RETURN format('waiting on %s [%s, %s): no window yet', d.upstream_id,
                          sluice_utc_text(v_at), sluice_utc_text(p_end));
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION sluice_waiting_on(text, timestamptz, timestamptz) IS
    'NULL when a window of the pipeline may run; else what it waits on (depends_on).';

-- 0006's claim, with the dependency check. A pipeline with upstreams looks only at windows
-- that end by its frontier (the oldest newest_done_end of its upstreams: nothing later can
-- be ready, and a `latest` upstream needs nothing more), on the claim index; within it, a
-- window is claimable when the finished windows of every `windows` upstream cover it: their
-- windows tile time, so covered seconds equal to its length mean every overlapping upstream
-- window exists and is done. The check is a subquery, not a function call, so the planner
-- runs it as one range scan per candidate on the window index; sluice_waiting_on says the
-- same in words, for people. A pipeline without upstreams has no frontier and claims
-- exactly as before.
CREATE OR REPLACE FUNCTION sluice_claim(
    p_pipelines      text[],
    p_live_limits    integer[],
    p_backfill_limits integer[],
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
              FROM unnest(p_pipelines, p_live_limits, p_backfill_limits)
                       AS l(pipeline_id, live_limit, backfill_limit)
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
