-- Each pipeline's newest window made by its schedule (not by a backfill), kept beside its
-- counts (0016), so `sluicectl status`, GET /api/v1/pipelines and the metrics refresh read it
-- instead of probing the window index once per pipeline: at 10,000 pipelines and 10 million
-- records that probe was most of their time. Generation still finds where to resume by its
-- own probe (Records::last_window_ends); this is what status shows as the next window due.
--
-- Kept the way 0016 keeps the counts: written to pipeline_count_deltas, folded into
-- pipeline_counts by sluice_fold_counts(), read as the two together, exact at every instant:
--   * each INSERT statement appends, per pipeline, the newest non-backfill window it made
--     (a statement trigger over its new rows: one row per pipeline and statement, so a cron
--     tick that makes 10,000 windows appends 10,000 small rows, not a trigger call each);
--   * a DELETE of a non-backfill window, or a change to a window's trigger, pipeline or
--     bounds, appends a row asking for a rescan: readers probe that pipeline's windows as
--     before, until the fold probes once and keeps what it found. Retention deleting old
--     windows asks for one rescan per pipeline and pass, not one per window.
-- The newest window is the one that starts last (window starts are unique per pipeline); its
-- start and end are kept together as one array, so the largest array is the newest window.

ALTER TABLE pipeline_counts ADD COLUMN newest_scheduled timestamptz[];
ALTER TABLE pipeline_count_deltas
    ADD COLUMN newest_scheduled timestamptz[],
    ADD COLUMN rescan boolean NOT NULL DEFAULT false;

COMMENT ON COLUMN pipeline_counts.newest_scheduled IS
    '{start, end} of the newest window whose trigger is not backfill (NULL: none), as of the '
    'last fold; pipeline_count_deltas holds what came since.';
COMMENT ON COLUMN pipeline_count_deltas.rescan IS
    'A window that may have been the newest scheduled one was deleted or changed: read the '
    'windows themselves until the next fold.';

CREATE FUNCTION sluice_scheduled_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO pipeline_count_deltas (pipeline_id, succeeded, skipped, failed, newest_scheduled)
    SELECT pipeline_id, 0, 0, 0, max(ARRAY[window_start_time, window_end_time])
      FROM new_records
     WHERE trigger <> 'backfill'
     GROUP BY pipeline_id;
    RETURN NULL;
END
$$;

CREATE FUNCTION sluice_scheduled_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO pipeline_count_deltas (pipeline_id, succeeded, skipped, failed, rescan)
    SELECT DISTINCT pipeline_id, 0, 0, 0, true
      FROM old_records
     WHERE trigger <> 'backfill';
    RETURN NULL;
END
$$;

CREATE FUNCTION sluice_scheduled_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO pipeline_count_deltas (pipeline_id, succeeded, skipped, failed, rescan)
    SELECT DISTINCT id, 0, 0, 0, true FROM unnest(ARRAY[OLD.pipeline_id, NEW.pipeline_id]) id;
    RETURN NULL;
END
$$;

CREATE TRIGGER pipeline_records_scheduled_insert
    AFTER INSERT ON pipeline_records
    REFERENCING NEW TABLE AS new_records
    FOR EACH STATEMENT EXECUTE FUNCTION sluice_scheduled_inserted();

CREATE TRIGGER pipeline_records_scheduled_delete
    AFTER DELETE ON pipeline_records
    REFERENCING OLD TABLE AS old_records
    FOR EACH STATEMENT EXECUTE FUNCTION sluice_scheduled_deleted();

-- A row trigger on the columns that decide the newest scheduled window: the claim, the task
-- writes and the heartbeats change none of them and never fire it.
CREATE TRIGGER pipeline_records_scheduled_update
    AFTER UPDATE OF trigger, pipeline_id, window_start_time, window_end_time ON pipeline_records
    FOR EACH ROW WHEN ((OLD.trigger <> 'backfill' OR NEW.trigger <> 'backfill')
                       AND (OLD.trigger IS DISTINCT FROM NEW.trigger
                            OR OLD.pipeline_id IS DISTINCT FROM NEW.pipeline_id
                            OR OLD.window_start_time IS DISTINCT FROM NEW.window_start_time
                            OR OLD.window_end_time IS DISTINCT FROM NEW.window_end_time))
    EXECUTE FUNCTION sluice_scheduled_changed();

-- 0016's fold, which also folds the newest scheduled window: the largest of the kept one and
-- those appended since; then, for the pipelines where a rescan was asked for, the newest one
-- their windows hold. The rescan runs after the deltas it answers were taken: whatever
-- changed in between left rows of its own, which readers and the next fold still see.
CREATE OR REPLACE FUNCTION sluice_fold_counts() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_moved  bigint;
    v_rescan text[];
BEGIN
    IF NOT pg_try_advisory_xact_lock(hashtextextended('sluice.fold_counts', 0)) THEN
        RETURN 0;
    END IF;
    WITH moved AS (
        DELETE FROM pipeline_count_deltas RETURNING *
    ), summed AS (
        SELECT pipeline_id, sum(succeeded) AS succeeded, sum(skipped) AS skipped,
               sum(failed) AS failed, max(last_success_at) AS last_success_at,
               max(last_failure_at) AS last_failure_at,
               max(newest_scheduled) AS newest_scheduled, bool_or(rescan) AS rescan,
               count(*) AS n
          FROM moved
         GROUP BY pipeline_id
    ), written AS (
        INSERT INTO pipeline_counts AS c (pipeline_id, succeeded, skipped, failed,
                                          last_success_at, last_failure_at, newest_scheduled)
        SELECT pipeline_id, succeeded, skipped, failed, last_success_at, last_failure_at,
               newest_scheduled
          FROM summed
         ORDER BY pipeline_id
        ON CONFLICT (pipeline_id) DO UPDATE
           SET succeeded = c.succeeded + excluded.succeeded,
               skipped = c.skipped + excluded.skipped,
               failed = c.failed + excluded.failed,
               last_success_at = greatest(c.last_success_at, excluded.last_success_at),
               last_failure_at = greatest(c.last_failure_at, excluded.last_failure_at),
               newest_scheduled = greatest(c.newest_scheduled, excluded.newest_scheduled)
    )
    SELECT coalesce(sum(n), 0), array_agg(pipeline_id ORDER BY pipeline_id) FILTER (WHERE rescan)
      INTO v_moved, v_rescan
      FROM summed;
    IF v_rescan IS NOT NULL THEN
        UPDATE pipeline_counts c
           SET newest_scheduled = (SELECT ARRAY[r.window_start_time, r.window_end_time]
                                     FROM pipeline_records r
                                    WHERE r.pipeline_id = c.pipeline_id
                                      AND r.trigger <> 'backfill'
                                    ORDER BY r.window_start_time DESC
                                    LIMIT 1)
         WHERE c.pipeline_id = ANY(v_rescan);
    END IF;
    RETURN v_moved;
END
$$;

-- The windows as they are now.
INSERT INTO pipeline_counts AS c (pipeline_id, newest_scheduled)
SELECT DISTINCT ON (pipeline_id) pipeline_id, ARRAY[window_start_time, window_end_time]
  FROM pipeline_records
 WHERE trigger <> 'backfill'
 ORDER BY pipeline_id, window_start_time DESC
ON CONFLICT (pipeline_id) DO UPDATE SET newest_scheduled = excluded.newest_scheduled;
