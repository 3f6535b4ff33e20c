-- Several windows of a backlog per claim. sluice_claim_windows is the claim of 0014 that hands
-- out up to p_max windows of the pipeline it picks, in one statement and one commit: a
-- backfill of a year of hourly windows pays one claim per batch instead of one per window.
--
-- Every rule of the claim holds for each window it takes:
--   * limits: a batch is at most the pipeline's free live/backfill slots (its limit less its
--     running windows, read under the pipeline's lock) and, in a pool, the free slots of the
--     pool (read under the pool's lock) divided by the window's slots;
--   * order: the windows are the pipeline's oldest claimable ones of that kind; inside a pool
--     a batch stops before the next candidate of another pipeline of the same pool (same kind
--     and priority), so batching never lets a window pass one the single claim would have
--     served first;
--   * each window is checked as the single claim checks it (next_attempt_at, the dependency
--     frontier, the upstream windows of `windows` dependencies) and locked FOR UPDATE SKIP
--     LOCKED;
--   * each window gets its own run ID (the claim instant plus its rank in the batch, in
--     microseconds) and its own `claim` event, and every later write is fenced by it.
--
-- The candidate scan of 0014 let the planner take the window index (window_start_time,
-- window_end_time) when one pipeline holds most of the table (a large backfill): the frontier
-- bounds on both columns looked selective, and the scan walked every other window of the
-- table, 8,760 for a year of hourly windows, at every claim. Here the end bound is not a
-- condition that index can use, so the probe stays one ordered step down the claim index.
--
-- sluice_claim keeps its signature (scripts and the single-window baseline of the benchmarks
-- call it) and claims one window through sluice_claim_windows.

CREATE FUNCTION sluice_claim_windows(
    p_pipelines       text[],
    p_live_limits     integer[],
    p_backfill_limits integer[],
    p_versions        integer[],
    p_pools           text[],
    p_pool_slots      integer[],
    p_pool_sizes      integer[],
    p_priorities      integer[],
    p_locked_by       text,
    p_max             integer
) RETURNS SETOF pipeline_records
LANGUAGE plpgsql
SET jit = off
SET enable_bitmapscan = off
AS $$
DECLARE
    c          record;
    v_running  integer;
    v_used     integer;
    v_n        integer;
    v_now      timestamptz;
    v_key      bigint;
    v_wait     bigint;
    v_busy     bigint;
    v_locked   text[];
    v_closed   text[];
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
                       l.pool_slots, l.pool_size, w.is_backfill, w.window_start_time, g.frontier,
                       -- The next candidate of the same pool, kind and priority: a batch
                       -- stops before it.
                       CASE WHEN l.pool <> '' THEN lead(w.window_start_time) OVER pool_order
                       END AS next_start,
                       CASE WHEN l.pool <> '' THEN lead(l.pipeline_id) OVER pool_order
                       END AS next_pipeline
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
                                  -- Not a bound the window index can take (see above).
                                  AND r.window_end_time + interval '0' <= coalesce(g.frontier,
                                                                                  'infinity')
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
                         FROM (VALUES (false), (true)) AS b(is_backfill) OFFSET 0) w
                 WHERE NOT coalesce(p.paused, false)
                   AND (l.pool = '' OR coalesce(u.slots, 0) < l.pool_size)
                   AND w.window_start_time IS NOT NULL
                   AND (l.version = 0 OR NOT EXISTS (
                          SELECT 1 FROM pipeline_definitions d
                           WHERE d.pipeline_id = l.pipeline_id AND d.origin = 'catalog'
                             AND d.version > l.version))
                WINDOW pool_order AS (PARTITION BY l.pool, w.is_backfill, l.priority
                                      ORDER BY w.window_start_time, l.pipeline_id)
                 ORDER BY w.is_backfill, l.priority DESC, w.window_start_time, l.pipeline_id
            LOOP
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
                v_n := least(greatest(p_max, 1),
                             CASE WHEN c.is_backfill THEN c.backfill_limit
                                  ELSE c.live_limit END - v_running);
                CONTINUE WHEN v_n < 1;

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
                END IF;

                v_now := clock_timestamp();
                RETURN QUERY
                WITH pick AS (
                         SELECT q.id, q.window_start_time
                           FROM pipeline_records q
                          WHERE q.pipeline_id = c.pipeline_id
                            AND q.window_start_time >= c.window_start_time
                            AND q.pipeline_status = 'PENDING'
                            AND (q.trigger = 'backfill') = c.is_backfill
                            AND (q.next_attempt_at IS NULL OR q.next_attempt_at <= now())
                            AND q.window_start_time < coalesce(c.frontier, 'infinity')
                            AND q.window_end_time <= coalesce(c.frontier, 'infinity')
                            AND (c.next_start IS NULL
                                 OR (q.window_start_time, c.pipeline_id)
                                    < (c.next_start, c.next_pipeline))
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
                                -- One run ID per window: the claim instant, plus the window's
                                -- rank in the batch in microseconds.
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
                         INSERT INTO pipeline_events (record_id, pipeline_id, dag_run_id, task,
                                                      from_status, to_status, outcome,
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

COMMENT ON FUNCTION sluice_claim_windows(text[], integer[], integer[], integer[], text[],
                                         integer[], integer[], integer[], text, integer) IS
    'Claims up to p_max of the oldest claimable windows of one of the given pipelines (the '
    'first in claim order: live before backfill, higher priority, oldest window) within its '
    'live/backfill limit and its pool''s size; one run ID and one claim event per window.';

CREATE OR REPLACE FUNCTION sluice_claim(
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
LANGUAGE sql
AS $$
    SELECT * FROM sluice_claim_windows(p_pipelines, p_live_limits, p_backfill_limits, p_versions,
                                       p_pools, p_pool_slots, p_pool_sizes, p_priorities,
                                       p_locked_by, 1)
$$;

COMMENT ON FUNCTION sluice_claim(text[], integer[], integer[], integer[], text[], integer[],
                                 integer[], integer[], text) IS
    'Claims the first claimable window of the given pipelines (sluice_claim_windows, one window).';
