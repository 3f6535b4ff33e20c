-- A claim passes over paused pipelines inside its walk's statement.
--
-- 0017's walk turned a paused pipeline (and one whose catalog holds a newer version) away one
-- walk step at a time: a statement to find its oldest window, a statement to see it paused,
-- and its id appended to the walk's set of rejected pipelines, a jsonb copied whole at each
-- append. With most of 10,000 pipelines paused with backlogs, one claim took 6.5-8.6 s of
-- the server's time, and an idle daemon's wake-ups kept PostgreSQL busy. The walk's
-- statement now leaves those pipelines' windows out itself: two index probes per window it
-- passes, and no walk step. The walk is otherwise 0017's, restated whole, as a function must
-- be replaced.
CREATE OR REPLACE FUNCTION sluice_claim_windows_walk(
    p_locked_by   text,
    p_fingerprint bigint,
    p_max         integer
) RETURNS SETOF pipeline_records
LANGUAGE plpgsql
SET jit = off
SET enable_bitmapscan = off
-- A custom plan folds `(trigger = 'backfill') = false` into `trigger <> 'backfill'`, off the
-- claim indexes' key (it walked the window index): generic plans keep the kind a parameter.
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    c          record;
    v_set      claim_limit_sets;
    v_kind     boolean;
    v_priority integer;
    v_after_s  timestamptz;
    v_after_p  text;
    v_running  integer;
    v_used     integer;
    v_n        integer;
    v_now      timestamptz;
    v_key      bigint;
    v_wait     bigint;
    v_busy     bigint;
    v_next_s   timestamptz;
    v_next_p   text;
    v_rejected jsonb;
    v_locked   text[];
    v_closed   text[];
    v_round    integer;
BEGIN
    SELECT * INTO v_set FROM claim_limit_sets WHERE holder = p_locked_by;
    IF NOT FOUND OR v_set.fingerprint <> p_fingerprint THEN
        RAISE EXCEPTION 'the claim limits of % are not stored', p_locked_by
              USING ERRCODE = 'SLU02';
    END IF;
    IF v_set.seen_at < now() - interval '1 hour' THEN
        UPDATE claim_limit_sets SET seen_at = now() WHERE holder = p_locked_by;
    END IF;

    FOR v_round IN 1..8 LOOP
        v_busy := NULL;
        v_locked := '{}';
        v_closed := '{}';
        v_rejected := '{}';
        BEGIN
            IF v_wait IS NOT NULL THEN
                PERFORM pg_advisory_xact_lock(v_wait);
            END IF;
            FOREACH v_kind IN ARRAY ARRAY[false, true] LOOP
            FOREACH v_priority IN ARRAY v_set.priorities LOOP
                v_after_s := '-infinity';
                v_after_p := '';
                LOOP
                    -- The next window of this kind and priority in claim order that the
                    -- window-level rules let run, of a pipeline not turned away yet.
                    SELECT q.pipeline_id, q.window_start_time, l.live_limit, l.backfill_limit,
                           l.version, nullif(l.pool, '') AS pool, l.pool_slots, l.pool_size,
                           f.frontier
                      INTO c
                      FROM pipeline_records q
                     -- OFFSET 0: the walk drives, in index order, not the holder's limits;
                     -- and the probes below stay probes of the one window's pipeline.
                     -- Paused, or the catalog holds a newer version than the holder runs:
                     -- no limits, never a candidate (0021).
                     CROSS JOIN LATERAL (
                           SELECT l.* FROM claim_limits l
                            WHERE l.holder = p_locked_by AND l.pipeline_id = q.pipeline_id
                              AND NOT EXISTS (SELECT 1 FROM pipelines p
                                               WHERE p.pipeline_id = l.pipeline_id AND p.paused)
                              AND (l.version = 0 OR NOT EXISTS (
                                     SELECT 1 FROM pipeline_definitions d
                                      WHERE d.pipeline_id = l.pipeline_id
                                        AND d.origin = 'catalog' AND d.version > l.version))
                           OFFSET 0) l
                     CROSS JOIN LATERAL (
                           SELECT min(coalesce(up.newest_done_end, '-infinity')) AS frontier
                             FROM pipeline_dependencies dep
                             LEFT JOIN pipelines up ON up.pipeline_id = dep.upstream_id
                            WHERE dep.pipeline_id = q.pipeline_id) f
                     WHERE q.pipeline_status = 'PENDING'
                       AND (q.trigger = 'backfill') = v_kind
                       AND (q.window_start_time, q.pipeline_id) > (v_after_s, v_after_p)
                       AND (q.next_attempt_at IS NULL OR q.next_attempt_at <= now())
                       AND NOT v_rejected ? q.pipeline_id
                       AND l.priority = v_priority
                       AND (l.pool = '' OR NOT l.pool = ANY (v_closed))
                       AND q.window_end_time <= coalesce(f.frontier, 'infinity')
                       AND (f.frontier IS NULL OR NOT EXISTS (
                              SELECT 1 FROM pipeline_dependencies d
                               WHERE d.pipeline_id = q.pipeline_id
                                 AND d.mode = 'windows'
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
                     ORDER BY q.window_start_time, q.pipeline_id
                     LIMIT 1;
                    EXIT WHEN NOT FOUND;
                    v_after_s := c.window_start_time;
                    v_after_p := c.pipeline_id;

                    v_key := hashtextextended('sluice.claim.' || c.pipeline_id, 0);
                    IF NOT pg_try_advisory_xact_lock(v_key) THEN
                        v_busy := coalesce(v_busy, v_key);
                        v_rejected := v_rejected || jsonb_build_object(c.pipeline_id, true);
                        IF c.pool IS NOT NULL THEN
                            v_closed := v_closed || c.pool;
                        END IF;
                        CONTINUE;
                    END IF;
                    SELECT count(*) INTO v_running
                      FROM pipeline_records r
                     WHERE r.pipeline_id = c.pipeline_id
                       AND r.pipeline_status = 'IN_PROGRESS'
                       AND (r.trigger = 'backfill') = v_kind;
                    v_n := least(greatest(p_max, 1),
                                 CASE WHEN v_kind THEN c.backfill_limit
                                      ELSE c.live_limit END - v_running);
                    IF v_n < 1 THEN
                        v_rejected := v_rejected || jsonb_build_object(c.pipeline_id, true);
                        CONTINUE;
                    END IF;

                    v_next_s := NULL;
                    v_next_p := NULL;
                    IF c.pool IS NOT NULL THEN
                        IF NOT c.pool = ANY (v_locked) THEN
                            v_key := hashtextextended('sluice.pool.' || c.pool, 0);
                            IF NOT pg_try_advisory_xact_lock(v_key) THEN
                                v_busy := coalesce(v_busy, v_key);
                                v_closed := v_closed || c.pool;
                                CONTINUE;
                            END IF;
                            v_locked := v_locked || c.pool;
                        END IF;
                        SELECT coalesce(sum(r.pool_slots), 0) INTO v_used
                          FROM pipeline_records r
                         WHERE r.pipeline_status = 'IN_PROGRESS' AND r.pool = c.pool;
                        v_n := least(v_n, (c.pool_size - v_used) / c.pool_slots);
                        IF v_n < 1 THEN
                            v_closed := v_closed || c.pool;
                            CONTINUE;
                        END IF;
                        IF v_n > 1 THEN
                            -- The batch stops before the pool's next window of another pipeline.
                            SELECT q.window_start_time, q.pipeline_id INTO v_next_s, v_next_p
                              FROM pipeline_records q
                             CROSS JOIN LATERAL (
                                   SELECT l.* FROM claim_limits l
                                    WHERE l.holder = p_locked_by
                                      AND l.pipeline_id = q.pipeline_id
                                   OFFSET 0) l
                             WHERE q.pipeline_status = 'PENDING'
                               AND (q.trigger = 'backfill') = v_kind
                               AND (q.window_start_time, q.pipeline_id)
                                   > (c.window_start_time, c.pipeline_id)
                               AND (q.next_attempt_at IS NULL OR q.next_attempt_at <= now())
                               AND q.pipeline_id <> c.pipeline_id
                               AND l.priority = v_priority AND l.pool = c.pool
                             ORDER BY q.window_start_time, q.pipeline_id
                             LIMIT 1;
                        END IF;
                    END IF;

                    v_now := clock_timestamp();
                    RETURN QUERY
                    WITH pick AS (
                             SELECT q.id, q.window_start_time
                               FROM pipeline_records q
                              WHERE q.pipeline_id = c.pipeline_id
                                AND q.window_start_time >= c.window_start_time
                                AND q.pipeline_status = 'PENDING'
                                AND (q.trigger = 'backfill') = v_kind
                                AND (q.next_attempt_at IS NULL OR q.next_attempt_at <= now())
                                AND q.window_start_time < coalesce(c.frontier, 'infinity')
                                -- Not a bound the window index can take: the probe stays one
                                -- ordered step down the claim index.
                                AND q.window_end_time + interval '0'
                                    <= coalesce(c.frontier, 'infinity')
                                AND (v_next_s IS NULL
                                     OR (q.window_start_time, c.pipeline_id)
                                        < (v_next_s, v_next_p))
                                AND (c.frontier IS NULL OR NOT EXISTS (
                                       SELECT 1 FROM pipeline_dependencies d
                                        WHERE d.pipeline_id = q.pipeline_id
                                          AND d.mode = 'windows'
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
                              LIMIT v_n
                                FOR UPDATE SKIP LOCKED),
                         ranked AS (
                             SELECT pick.id,
                                    row_number() OVER (ORDER BY pick.window_start_time) - 1 AS k
                               FROM pick),
                         claimed AS (
                             UPDATE pipeline_records r
                                SET pipeline_status     = 'IN_PROGRESS',
                                    dag_run_id          = r.trigger || '__' ||
                                                          to_char((v_now + ranked.k
                                                                   * interval '1 microsecond')
                                                                  AT TIME ZONE 'UTC',
                                                                  'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'),
                                    locked_by           = p_locked_by,
                                    pipeline_locked_at  = now(),
                                    heartbeat_at        = now(),
                                    pipeline_start_time = coalesce(r.pipeline_start_time, now()),
                                    pipeline_end_time   = NULL,
                                    pool                = c.pool,
                                    pool_slots          = CASE WHEN c.pool IS NULL THEN NULL
                                                               ELSE c.pool_slots END
                               FROM ranked
                              WHERE r.id = ranked.id
                             RETURNING r.*),
                         events AS (
                             INSERT INTO pipeline_events (record_id, pipeline_id, dag_run_id,
                                                          task, from_status, to_status, outcome,
                                                          started_at, ended_at, host)
                             -- clock_timestamp(), not now(): the claim happened after every
                             -- upstream window it checked had committed.
                             SELECT claimed.id, claimed.pipeline_id, claimed.dag_run_id, 'claim',
                                    'PENDING', 'IN_PROGRESS', 'CLAIMED', clock_timestamp(),
                                    clock_timestamp(), p_locked_by
                               FROM claimed)
                    SELECT * FROM claimed ORDER BY claimed.window_start_time;
                    IF FOUND THEN
                        RETURN;
                    END IF;
                    -- Each of its windows is locked by another claim: look further.
                    v_rejected := v_rejected || jsonb_build_object(c.pipeline_id, true);
                END LOOP;
            END LOOP;
            END LOOP;
            IF v_busy IS NULL OR v_round = 8 THEN
                RETURN;
            END IF;
            RAISE EXCEPTION USING ERRCODE = 'SLU01';
        EXCEPTION WHEN SQLSTATE 'SLU01' THEN
            v_wait := v_busy;
        END;
    END LOOP;
END
$$;
