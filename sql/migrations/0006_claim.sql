-- The claim: one call, one round trip, one commit. It takes the oldest claimable PENDING
-- window among the given pipelines and writes a fresh run ID, locked_by, pipeline_locked_at,
-- heartbeat_at and pipeline_start_time, with a `claim` event in the same transaction.
--
-- Limits are strict. A pipeline's running count is read after taking a transaction-scoped
-- advisory lock on that pipeline, in a statement of its own, so it sees every claim that
-- committed before ours: two daemons cannot both take "the last free slot". Live windows
-- (scheduled, manual) and backfill windows have separate limits so a large backfill never
-- starves the live schedule. Paused pipelines and windows waiting for next_attempt_at are
-- passed over; FOR UPDATE SKIP LOCKED passes over rows that cleanup or an operator holds.
-- Lease instants come from the database clock.
CREATE FUNCTION sluice_claim(
    p_pipelines      text[],
    p_live_limits    integer[],
    p_backfill_limits integer[],
    p_locked_by      text
) RETURNS SETOF pipeline_records
LANGUAGE plpgsql AS $$
DECLARE
    c          record;
    v_running  integer;
    v_claimed  pipeline_records;
    v_now      timestamptz;
BEGIN
    FOR c IN
        SELECT l.pipeline_id, l.live_limit, l.backfill_limit, w.is_backfill, w.window_start_time
          FROM unnest(p_pipelines, p_live_limits, p_backfill_limits)
                   AS l(pipeline_id, live_limit, backfill_limit)
          LEFT JOIN pipelines p ON p.pipeline_id = l.pipeline_id
         CROSS JOIN LATERAL (
               SELECT b.is_backfill,
                      (SELECT r.window_start_time
                         FROM pipeline_records r
                        WHERE r.pipeline_id = l.pipeline_id
                          AND r.pipeline_status = 'PENDING'
                          AND (r.trigger = 'backfill') = b.is_backfill
                          AND (r.next_attempt_at IS NULL OR r.next_attempt_at <= now())
                        ORDER BY r.window_start_time
                        LIMIT 1) AS window_start_time
                 FROM (VALUES (false), (true)) AS b(is_backfill)) w
         WHERE NOT coalesce(p.paused, false)
           AND w.window_start_time IS NOT NULL
         ORDER BY w.is_backfill, w.window_start_time
    LOOP
        PERFORM pg_advisory_xact_lock(hashtextextended('sluice.claim.' || c.pipeline_id, 0));
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
                        ORDER BY q.window_start_time
                        LIMIT 1
                          FOR UPDATE SKIP LOCKED)
        RETURNING r.* INTO v_claimed;

        IF FOUND THEN
            INSERT INTO pipeline_events (record_id, pipeline_id, dag_run_id, task, from_status,
                                         to_status, outcome, started_at, ended_at, host)
            VALUES (v_claimed.id, v_claimed.pipeline_id, v_claimed.dag_run_id, 'claim',
                    'PENDING', 'IN_PROGRESS', 'CLAIMED', now(), now(), p_locked_by);
            RETURN NEXT v_claimed;
            RETURN;
        END IF;
    END LOOP;
END
$$;

COMMENT ON FUNCTION sluice_claim(text[], integer[], integer[], text) IS
    'Claims the oldest claimable window of the given pipelines within their live/backfill limits.';
