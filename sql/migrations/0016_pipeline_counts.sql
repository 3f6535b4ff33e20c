-- Per-pipeline counts of finished windows, kept incrementally, so `sluicectl status`, the
-- metrics and pipeline_summary cost as much with ten years of history as with one day.
--
-- The live part (PENDING, IN_PROGRESS) stays small and is read from its partial indexes.
-- The history (SUCCESS, SKIPPED, FAILED) is counted here instead of by scanning it:
--   * every change of a record into or out of a finished status appends one row to
--     pipeline_count_deltas (a row trigger that fires only on such changes: a claim, a
--     heartbeat or a phase write costs nothing);
--   * sluice_fold_counts() moves the deltas into pipeline_counts (one row per pipeline),
--     run by each daemon's metrics refresh; only one session folds at a time;
--   * readers add the two: exact at every instant, whether the fold ran or not.
-- Appending instead of updating one counter row per pipeline means two windows of one
-- pipeline finishing at once never wait for each other, and a statement finishing windows of
-- several pipelines takes no row locks it could deadlock on.

CREATE TABLE pipeline_counts (
    pipeline_id     text PRIMARY KEY,
    succeeded       bigint NOT NULL DEFAULT 0,
    skipped         bigint NOT NULL DEFAULT 0,
    failed          bigint NOT NULL DEFAULT 0,
    last_success_at timestamptz,
    last_failure_at timestamptz
);

COMMENT ON TABLE pipeline_counts IS
    'Finished windows per pipeline, folded from pipeline_count_deltas by sluice_fold_counts(); '
    'read through pipeline_summary or sluice_finished_counts, which add the pending deltas.';
COMMENT ON COLUMN pipeline_counts.last_success_at IS
    'When a window of the pipeline last became SUCCESS (a rerun or retention does not lower it).';
COMMENT ON COLUMN pipeline_counts.last_failure_at IS
    'When a window of the pipeline last became FAILED (a rerun or retention does not lower it).';

CREATE TABLE pipeline_count_deltas (
    pipeline_id     text NOT NULL,
    succeeded       integer NOT NULL,
    skipped         integer NOT NULL,
    failed          integer NOT NULL,
    last_success_at timestamptz,
    last_failure_at timestamptz
);

COMMENT ON TABLE pipeline_count_deltas IS
    'Changes to pipeline_counts not folded yet: one row per record entering or leaving a '
    'finished status (trigger-written, append-only).';

CREATE FUNCTION sluice_count_delta() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_succeeded integer := 0;
    v_skipped   integer := 0;
    v_failed    integer := 0;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        CASE OLD.pipeline_status
            WHEN 'SUCCESS' THEN v_succeeded := v_succeeded - 1;
            WHEN 'SKIPPED' THEN v_skipped := v_skipped - 1;
            WHEN 'FAILED' THEN v_failed := v_failed - 1;
            ELSE NULL;
        END CASE;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        CASE NEW.pipeline_status
            WHEN 'SUCCESS' THEN v_succeeded := v_succeeded + 1;
            WHEN 'SKIPPED' THEN v_skipped := v_skipped + 1;
            WHEN 'FAILED' THEN v_failed := v_failed + 1;
            ELSE NULL;
        END CASE;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.pipeline_id IS DISTINCT FROM NEW.pipeline_id THEN
        -- Moved to another pipeline: the old one loses it, the new one gains it.
        INSERT INTO pipeline_count_deltas
        VALUES (OLD.pipeline_id, -(OLD.pipeline_status = 'SUCCESS')::int,
                -(OLD.pipeline_status = 'SKIPPED')::int, -(OLD.pipeline_status = 'FAILED')::int,
                NULL, NULL);
        v_succeeded := (NEW.pipeline_status = 'SUCCESS')::int;
        v_skipped := (NEW.pipeline_status = 'SKIPPED')::int;
        v_failed := (NEW.pipeline_status = 'FAILED')::int;
    END IF;
    IF TG_OP = 'DELETE' THEN
        INSERT INTO pipeline_count_deltas
        VALUES (OLD.pipeline_id, v_succeeded, v_skipped, v_failed, NULL, NULL);
    ELSE
        INSERT INTO pipeline_count_deltas
        VALUES (NEW.pipeline_id, v_succeeded, v_skipped, v_failed,
                CASE WHEN NEW.pipeline_status = 'SUCCESS'
                     THEN coalesce(NEW.pipeline_end_time, NEW.record_last_updated_time) END,
                CASE WHEN NEW.pipeline_status = 'FAILED' THEN NEW.record_last_updated_time END);
    END IF;
    RETURN NULL;
END
$$;

-- Three triggers, so each fires only on a change that moves a count.
CREATE TRIGGER pipeline_records_count_insert
    AFTER INSERT ON pipeline_records
    FOR EACH ROW WHEN (NEW.pipeline_status IN ('SUCCESS', 'SKIPPED', 'FAILED'))
    EXECUTE FUNCTION sluice_count_delta();

CREATE TRIGGER pipeline_records_count_update
    AFTER UPDATE OF pipeline_status, pipeline_id ON pipeline_records
    FOR EACH ROW WHEN ((OLD.pipeline_status IS DISTINCT FROM NEW.pipeline_status
                        OR OLD.pipeline_id IS DISTINCT FROM NEW.pipeline_id)
                       AND (OLD.pipeline_status IN ('SUCCESS', 'SKIPPED', 'FAILED')
                            OR NEW.pipeline_status IN ('SUCCESS', 'SKIPPED', 'FAILED')))
    EXECUTE FUNCTION sluice_count_delta();

CREATE TRIGGER pipeline_records_count_delete
    AFTER DELETE ON pipeline_records
    FOR EACH ROW WHEN (OLD.pipeline_status IN ('SUCCESS', 'SKIPPED', 'FAILED'))
    EXECUTE FUNCTION sluice_count_delta();

CREATE FUNCTION sluice_count_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM pipeline_count_deltas;
    DELETE FROM pipeline_counts;
    RETURN NULL;
END
$$;

CREATE TRIGGER pipeline_records_count_truncate
    AFTER TRUNCATE ON pipeline_records
    FOR EACH STATEMENT EXECUTE FUNCTION sluice_count_truncate();

-- Moves the deltas into pipeline_counts; returns how many it moved (0 when another session
-- is folding: that one moves them). Rows are written in pipeline order, so two callers that
-- both got here could never deadlock, and the lock makes even that wait rare.
CREATE FUNCTION sluice_fold_counts() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_moved bigint;
BEGIN
    IF NOT pg_try_advisory_xact_lock(hashtextextended('sluice.fold_counts', 0)) THEN
        RETURN 0;
    END IF;
    WITH moved AS (
        DELETE FROM pipeline_count_deltas RETURNING *
    ), summed AS (
        SELECT pipeline_id, sum(succeeded) AS succeeded, sum(skipped) AS skipped,
               sum(failed) AS failed, max(last_success_at) AS last_success_at,
               max(last_failure_at) AS last_failure_at, count(*) AS n
          FROM moved
         GROUP BY pipeline_id
    ), written AS (
        INSERT INTO pipeline_counts AS c (pipeline_id, succeeded, skipped, failed,
                                          last_success_at, last_failure_at)
        SELECT pipeline_id, succeeded, skipped, failed, last_success_at, last_failure_at
          FROM summed
         ORDER BY pipeline_id
        ON CONFLICT (pipeline_id) DO UPDATE
           SET succeeded = c.succeeded + excluded.succeeded,
               skipped = c.skipped + excluded.skipped,
               failed = c.failed + excluded.failed,
               last_success_at = greatest(c.last_success_at, excluded.last_success_at),
               last_failure_at = greatest(c.last_failure_at, excluded.last_failure_at)
    )
    SELECT coalesce(sum(n), 0) INTO v_moved FROM summed;
    RETURN v_moved;
END
$$;

-- Finished windows per pipeline as of now: the folded counts plus the deltas not folded yet.
CREATE VIEW sluice_finished_counts AS
SELECT pipeline_id,
       sum(succeeded)::bigint AS succeeded,
       sum(skipped)::bigint   AS skipped,
       sum(failed)::bigint    AS failed,
       max(last_success_at)   AS last_success_at,
       max(last_failure_at)   AS last_failure_at
  FROM (SELECT pipeline_id, succeeded, skipped, failed, last_success_at, last_failure_at
          FROM pipeline_counts
        UNION ALL
        SELECT pipeline_id, succeeded, skipped, failed, last_success_at, last_failure_at
          FROM pipeline_count_deltas) c
 GROUP BY pipeline_id;

-- The history as it is now.
INSERT INTO pipeline_counts (pipeline_id, succeeded, skipped, failed, last_success_at,
                             last_failure_at)
SELECT pipeline_id,
       count(*) FILTER (WHERE pipeline_status = 'SUCCESS'),
       count(*) FILTER (WHERE pipeline_status = 'SKIPPED'),
       count(*) FILTER (WHERE pipeline_status = 'FAILED'),
       max(pipeline_end_time) FILTER (WHERE pipeline_status = 'SUCCESS'),
       max(record_last_updated_time) FILTER (WHERE pipeline_status = 'FAILED')
  FROM pipeline_records
 WHERE pipeline_status IN ('SUCCESS', 'SKIPPED', 'FAILED')
 GROUP BY pipeline_id;

-- pipeline_summary, same columns, on the counts and the live part's indexes. Of its
-- columns, last_success_at and last_failure_at now mean "when it last happened": they are no
-- longer lowered by a rerun or by retention deleting the window.
CREATE OR REPLACE VIEW pipeline_summary AS
WITH pending AS (
    SELECT pipeline_id,
           count(*)                                        AS pending,
           count(*) FILTER (WHERE next_attempt_at > now()) AS waiting_retry,
           min(window_start_time)                          AS oldest_pending_window
      FROM pipeline_records
     WHERE pipeline_status = 'PENDING'
     GROUP BY pipeline_id
), running AS (
    SELECT pipeline_id, count(*) AS running
      FROM pipeline_records
     WHERE pipeline_status = 'IN_PROGRESS'
     GROUP BY pipeline_id
), ids AS (
    SELECT pipeline_id FROM pipelines
    UNION SELECT pipeline_id FROM sluice_finished_counts
          WHERE succeeded + skipped + failed > 0
    UNION SELECT pipeline_id FROM pending
    UNION SELECT pipeline_id FROM running
)
SELECT i.pipeline_id,
       COALESCE(p.paused, false)                      AS paused,
       COALESCE(f.succeeded + f.skipped + f.failed, 0)
           + COALESCE(q.pending, 0) + COALESCE(r.running, 0) AS windows,
       COALESCE(q.pending, 0)                         AS pending,
       COALESCE(q.waiting_retry, 0)                   AS waiting_retry,
       COALESCE(r.running, 0)                         AS running,
       COALESCE(f.succeeded, 0)                       AS succeeded,
       COALESCE(f.skipped, 0)                         AS skipped,
       COALESCE(f.failed, 0)                          AS failed,
       f.last_success_at,
       CASE WHEN p.pipeline_id IS NOT NULL THEN p.newest_done_end
            ELSE (SELECT d.window_end_time
                    FROM pipeline_records d
                   WHERE d.pipeline_id = i.pipeline_id
                     AND d.pipeline_status IN ('SUCCESS', 'SKIPPED')
                   ORDER BY d.window_start_time DESC
                   LIMIT 1) END                      AS last_loaded_window_end,
       q.oldest_pending_window,
       f.last_failure_at
  FROM ids i
  LEFT JOIN pipelines p USING (pipeline_id)
  LEFT JOIN sluice_finished_counts f USING (pipeline_id)
  LEFT JOIN pending q USING (pipeline_id)
  LEFT JOIN running r USING (pipeline_id);
