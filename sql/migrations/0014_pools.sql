-- Shared pools and priorities: the daemon file's `pools: {warehouse: 4}`, a pipeline's
-- `pool`, `pool_slots` and `priority`. The limit holds across every daemon of the fleet
-- because the claim enforces it: a window is claimed only when the slots its pool's running
-- windows hold, plus its own, fit the pool's size.
--
-- A claim writes the pool and the slots it took on the record, so which running window holds
-- which pool's slots is in the table itself: the use of a pool is the sum over its
-- IN_PROGRESS records, whatever pipeline, trigger (live or backfill) or daemon they belong
-- to. A window that ends, is released or is taken back by the stale-lock cleanup frees its
-- slots by leaving IN_PROGRESS; nothing else has to be kept in step.

ALTER TABLE pipeline_records
    ADD COLUMN pool       text,
    ADD COLUMN pool_slots integer,
    ADD CONSTRAINT pipeline_records_pool_check
        CHECK ((pool IS NULL) = (pool_slots IS NULL) AND (pool_slots IS NULL OR pool_slots >= 1));

COMMENT ON COLUMN pipeline_records.pool IS
    'The pool whose slots the window''s last claim took (NULL: none); counted while IN_PROGRESS.';
COMMENT ON COLUMN pipeline_records.pool_slots IS
    'How many of the pool''s slots the window''s last claim took.';

-- A pool's use: its running windows only, so the index stays as small as the fleet's workers.
CREATE INDEX pipeline_records_pool_idx
    ON pipeline_records (pool) INCLUDE (pool_slots)
    WHERE pipeline_status = 'IN_PROGRESS' AND pool IS NOT NULL;

-- A pooled window that finishes frees slots another daemon's windows may wait for: wake the
-- daemons (as for new work) instead of leaving them to their next poll. A window going back
-- to PENDING wakes them already (0004).
CREATE FUNCTION sluice_notify_pool_freed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('sluice_records', OLD.pipeline_id);
    RETURN NULL;
END
$$;

CREATE TRIGGER pipeline_records_notify_pool_freed
    AFTER UPDATE OF pipeline_status ON pipeline_records
    FOR EACH ROW
    WHEN (OLD.pipeline_status = 'IN_PROGRESS' AND OLD.pool IS NOT NULL
          AND NEW.pipeline_status IN ('SUCCESS', 'SKIPPED', 'FAILED'))
    EXECUTE FUNCTION sluice_notify_pool_freed();

-- The claim of 0013 with pools and priorities. It takes, per pipeline, its pool ('' for
-- none), the slots one of its windows takes, the claimer's size of that pool and its
-- priority. Candidates are ordered live before backfill, then higher priority, then the
-- oldest window. A window of a pool is claimed only when, under a transaction lock on the
-- pool (as on the pipeline), a statement that sees every claim committed before it finds room
-- for the window's slots: two daemons cannot both take the last slot. Each claimer judges
-- with its own file's size against the use of the whole fleet.
--
-- Locks are only tried, never waited for, while others are held: a round that finds a lock
-- held by another claimer and nothing else to claim is undone (its locks go with it), waits
-- for that lock holding nothing else, and looks again. No claimer ever waits while holding a
-- lock, so claimers cannot deadlock however their pipelines and pools cross; the rounds are
-- few (the lock waited for is its holder's claim, a few milliseconds).
DROP FUNCTION sluice_claim(text[], integer[], integer[], integer[], text);

CREATE FUNCTION sluice_claim(
    p_pipelines       text[],
    p_live_limits     integer[],
    p_backfill_limits integer[],
    p_versions        integer[],
    p_pools           text[],
    p_pool_slots      integer[],
    p_pool_sizes      integer[],
    p_priorities      integer[],
    p_locked_by       text
) RETURNS SETOF pipeline_records
LANGUAGE plpgsql
-- As in 0012: compiling the candidate scan's plan cost more than running it.
SET jit = off
-- Each pipeline's first PENDING window is one step down the claim index, in its order. With
-- a backlog the planner guesses small, it fetched the whole backlog by bitmap and sorted it
-- instead: 500 pipelines of 25 PENDING windows took 19.6 ms a claim, 4.4 ms this way.
SET enable_bitmapscan = off
AS $$
DECLARE
    c          record;
    v_running  integer;
    v_used     integer;
    v_claimed  pipeline_records;
    v_now      timestamptz;
    v_key      bigint;
    v_wait     bigint;     -- the lock this round waits for first (NULL: none)
    v_busy     bigint;     -- the first lock another claimer held in this round
    v_locked   text[];     -- pools whose lock this round holds (their use read under it)
    v_closed   text[];     -- pools whose next window in claim order cannot be taken now
    v_round    integer;
BEGIN
    FOR v_round IN 1..8 LOOP
        v_busy := NULL;
        v_locked := '{}';
        v_closed := '{}';
        BEGIN
            IF v_wait IS NOT NULL THEN
                PERFORM pg_advisory_xact_lock(v_wait);
            END IF;
            FOR c IN
                -- Every pipeline's frontier in one join (0012), every pool's use in another:
                -- the windows of a pool seen full here are not looked at below.
                WITH g AS (SELECT dep.pipeline_id,
                                  min(coalesce(up.newest_done_end, '-infinity')) AS frontier
                             FROM pipeline_dependencies dep
                             LEFT JOIN pipelines up ON up.pipeline_id = dep.upstream_id
                            GROUP BY dep.pipeline_id),
                     used AS (SELECT r.pool, sum(r.pool_slots) AS slots
                                FROM pipeline_records r
                               WHERE r.pipeline_status = 'IN_PROGRESS' AND r.pool IS NOT NULL
                               GROUP BY r.pool)
                SELECT l.pipeline_id, l.live_limit, l.backfill_limit, nullif(l.pool, '') AS pool,
                       l.pool_slots, l.pool_size, w.is_backfill, w.window_start_time, g.frontier
                  FROM unnest(p_pipelines, p_live_limits, p_backfill_limits, p_versions, p_pools,
                              p_pool_slots, p_pool_sizes, p_priorities)
                           AS l(pipeline_id, live_limit, backfill_limit, version, pool, pool_slots,
                                pool_size, priority)
                  LEFT JOIN pipelines p ON p.pipeline_id = l.pipeline_id
                  LEFT JOIN g ON g.pipeline_id = l.pipeline_id
                  LEFT JOIN used u ON u.pool = l.pool
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
                                          WHERE d.pipeline_id = r.pipeline_id
                                            AND d.mode = 'windows'
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
                         -- OFFSET 0 keeps the subquery whole: pulled up, its probe ran
                         -- twice per pipeline and kind (the filter below, and the sort).
                         FROM (VALUES (false), (true)) AS b(is_backfill) OFFSET 0) w
                 WHERE NOT coalesce(p.paused, false)
                   AND (l.pool = '' OR coalesce(u.slots, 0) < l.pool_size)
                   AND w.window_start_time IS NOT NULL
                   -- 0013: a claimer running an older definition than the catalog's newest
                   -- leaves the pipeline's windows to those that run the current one.
                   AND (l.version = 0 OR NOT EXISTS (
                          SELECT 1 FROM pipeline_definitions d
                           WHERE d.pipeline_id = l.pipeline_id AND d.origin = 'catalog'
                             AND d.version > l.version))
                 ORDER BY w.is_backfill, l.priority DESC, w.window_start_time, l.pipeline_id
            LOOP
                -- Inside a pool, claims go strictly in that order: a window that cannot be
                -- taken now (no room for its slots, or another claimer is taking its
                -- pipeline's window) holds back every window after it in its pool, so a
                -- window of many slots is not starved by smaller ones and no lower priority
                -- passes a higher one. A pipeline's own limit holds back only its windows.
                CONTINUE WHEN c.pool = ANY (v_closed);

                v_key := hashtextextended('sluice.claim.' || c.pipeline_id, 0);
                IF NOT pg_try_advisory_xact_lock(v_key) THEN
                    v_busy := coalesce(v_busy, v_key);
                    v_closed := v_closed || c.pool;
                    CONTINUE;
                END IF;
                SELECT count(*) INTO v_running
                  FROM pipeline_records r
                 WHERE r.pipeline_id = c.pipeline_id
                   AND r.pipeline_status = 'IN_PROGRESS'
                   AND (r.trigger = 'backfill') = c.is_backfill;
                CONTINUE WHEN v_running >= CASE WHEN c.is_backfill THEN c.backfill_limit
                                                ELSE c.live_limit END;

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
                    -- Read under the pool's lock: every claim that committed before is in it.
                    SELECT coalesce(sum(r.pool_slots), 0) INTO v_used
                      FROM pipeline_records r
                     WHERE r.pipeline_status = 'IN_PROGRESS' AND r.pool = c.pool;
                    IF v_used + c.pool_slots > c.pool_size THEN
                        v_closed := v_closed || c.pool;
                        CONTINUE;
                    END IF;
                END IF;

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
                       pipeline_end_time   = NULL,
                       pool                = c.pool,
                       pool_slots          = CASE WHEN c.pool IS NULL THEN NULL
                                                  ELSE c.pool_slots END
                 WHERE r.id = (SELECT q.id
                                 FROM pipeline_records q
                                WHERE q.pipeline_id = c.pipeline_id
                                  -- From the candidate on, on the window index: with the kind a
                                  -- constant, the planner cannot use the claim index's key, and
                                  -- would walk the pipeline's finished history first.
                                  AND q.window_start_time >= c.window_start_time
                                  AND q.pipeline_status = 'PENDING'
                                  AND (q.trigger = 'backfill') = c.is_backfill
                                  AND (q.next_attempt_at IS NULL OR q.next_attempt_at <= now())
                                  AND q.window_start_time < coalesce(c.frontier, 'infinity')
                                  AND q.window_end_time <= coalesce(c.frontier, 'infinity')
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
                                LIMIT 1
                                  FOR UPDATE SKIP LOCKED)
                RETURNING r.* INTO v_claimed;

                IF FOUND THEN
                    INSERT INTO pipeline_events (record_id, pipeline_id, dag_run_id, task,
                                                 from_status, to_status, outcome, started_at,
                                                 ended_at, host)
                    -- clock_timestamp(), not now(): the claim happened after every upstream
                    -- window it checked had committed, which the transaction's start does not say.
                    VALUES (v_claimed.id, v_claimed.pipeline_id, v_claimed.dag_run_id, 'claim',
                            'PENDING', 'IN_PROGRESS', 'CLAIMED', clock_timestamp(),
                            clock_timestamp(), p_locked_by);
                    RETURN NEXT v_claimed;
                    RETURN;
                END IF;
            END LOOP;
            -- Nothing claimable, and no other claimer in the way: nothing to wait for.
            IF v_busy IS NULL OR v_round = 8 THEN
                RETURN;
            END IF;
            -- Undo the round: the locks it took go with it.
            RAISE EXCEPTION USING ERRCODE = 'SLU01';
        EXCEPTION WHEN SQLSTATE 'SLU01' THEN
            v_wait := v_busy;
        END;
    END LOOP;
END
$$;

COMMENT ON FUNCTION sluice_claim(text[], integer[], integer[], integer[], text[], integer[],
                                 integer[], integer[], text) IS
    'Claims the first claimable window of the given pipelines (live before backfill, higher '
    'priority, oldest window) within their live/backfill limits and their pools'' sizes.';
