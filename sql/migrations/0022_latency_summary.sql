-- Latency percentiles per pipeline over the last 7 days (sql/queries/latency.sql), kept
-- incrementally, so they cost one row per pipeline instead of every window of the week:
-- at 10,000 hourly pipelines the exact query (now sql/queries/latency_exact.sql) sorts 1.7
-- million windows (3.4 s).
--
-- What window_latency holds (SUCCESS or SKIPPED windows with an end time) is summed per
-- pipeline and UTC day of window_end_time, kept for the 8 days before today and after:
--   * pipeline_latency_days: per pipeline and day, the windows, their exact largest latency
--     and histograms of latency and of run_duration in log-spaced buckets 10% apart;
--   * every change of a window into, out of or within window_latency appends one row to
--     pipeline_latency_deltas (row triggers whose WHEN lets only such changes through: a
--     claim, a heartbeat, a task's write or a failure calls nothing; nor does retention
--     deleting windows older than the kept days);
--   * sluice_fold_latency(), run by each daemon's metrics refresh beside sluice_fold_counts(),
--     moves the deltas into the days, then computes the touched pipelines' percentiles over
--     the last 7 days into pipeline_latency (every pipeline's once a day, when the 7 days
--     move), 1,000 pipelines a fold at most;
--   * window_latency_summary reads pipeline_latency for the pipelines whose row is current
--     and computes the others (pending deltas, not computed since their days changed or the
--     7 days moved) from their days and deltas: exact counts and largest latency, percentiles
--     within 5%, at every instant, whether the fold ran or not. Its cost follows the
--     pipelines, plus about 0.2 ms for each pipeline it computes.
-- A window leaving a day (a rerun, a delete, a mark-success of another end time) may have
-- been its largest: that day's largest is read again from its windows, by the fold and, until
-- the fold ran, by readers (an index probe of the pipeline's windows that ended that day).
--
-- The percentiles are estimates: a latency falls in bucket k when |latency| is in
-- [1 ms x 1.1^(k-1), 1 ms x 1.1^k) (its sign kept; under 1 ms: bucket 0), and stands for the
-- bucket's geometric middle, within 4.9% of it. The estimate interpolates between the two
-- windows around the rank as percentile_cont does, so it is within 5% of the exact value
-- (of the larger of those two latencies when they straddle zero; 1 ms under a millisecond).

CREATE TABLE pipeline_latency_days (
    pipeline_id     text     NOT NULL,
    day             date     NOT NULL,
    windows         bigint   NOT NULL,
    latency_max     interval,
    first_start     timestamptz,
    latency_buckets smallint[] NOT NULL,
    latency_counts  integer[]  NOT NULL,
    run_buckets     smallint[] NOT NULL,
    run_counts      integer[]  NOT NULL,
    PRIMARY KEY (pipeline_id, day)
);

COMMENT ON TABLE pipeline_latency_days IS
    'The windows of window_latency per pipeline and UTC day of window_end_time (the last 8 '
    'days and later), folded from pipeline_latency_deltas by sluice_fold_latency().';
COMMENT ON COLUMN pipeline_latency_days.first_start IS
    'No counted window starts before it: where a read of the day''s windows starts.';
COMMENT ON COLUMN pipeline_latency_days.latency_buckets IS
    'sluice_latency_bucket() of the latencies, ascending; latency_counts holds how many.';

CREATE TABLE pipeline_latency_deltas (
    pipeline_id  text        NOT NULL,
    day          date        NOT NULL,
    windows      integer     NOT NULL,
    latency      interval    NOT NULL,
    run_duration interval,
    window_start timestamptz NOT NULL
);

COMMENT ON TABLE pipeline_latency_deltas IS
    'Changes to pipeline_latency_days not folded yet: +1 a window entered window_latency, -1 '
    'one left it, with its values (trigger-written, append-only).';

CREATE TABLE pipeline_latency (
    pipeline_id text PRIMARY KEY,
    from_day    date,
    windows     bigint NOT NULL,
    latency_p50 interval,
    latency_p95 interval,
    latency_max interval,
    run_p50     interval,
    run_p95     interval
);

COMMENT ON TABLE pipeline_latency IS
    'Each pipeline''s window_latency_summary row for the windows that ended from from_day on, '
    'as of the fold that computed it; read through window_latency_summary.';
COMMENT ON COLUMN pipeline_latency.from_day IS
    'NULL: the pipeline''s days changed since; to be computed again (readers compute it).';

-- The bucket of a duration in seconds, and the value a bucket stands for.
CREATE FUNCTION sluice_latency_bucket(seconds double precision) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT CASE WHEN abs(seconds) < 0.001 THEN 0::smallint
            ELSE (sign(seconds) * least(1 + floor(ln(abs(seconds) * 1000) / ln(1.1)), 400))::smallint
       END
$$;

CREATE FUNCTION sluice_latency_value(bucket smallint) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT CASE WHEN bucket = 0 THEN 0
            ELSE sign(bucket) * 0.001 * power(1.1, abs(bucket) - 1) * sqrt(1.1) END
$$;

-- percentile_cont's interpolation between the windows of 0-based ranks floor(rank) and
-- ceil(rank), found in buckets `lo` and `hi`; NULL without windows.
CREATE FUNCTION sluice_latency_quantile(lo smallint, hi smallint, rank double precision)
RETURNS interval LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT justify_hours(greatest(least(
           sluice_latency_value(lo)
               + (rank - floor(rank)) * (sluice_latency_value(hi) - sluice_latency_value(lo)),
           9e12), -9e12) * interval '1 second')
$$;

CREATE FUNCTION sluice_latency_delta() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_kept date := (now() AT TIME ZONE 'UTC')::date - 8;
BEGIN
    -- A window with an infinite time has no latency (window_latency fails on it): not counted.
    IF TG_OP <> 'INSERT' AND OLD.pipeline_status IN ('SUCCESS', 'SKIPPED')
       AND isfinite(OLD.pipeline_end_time) AND isfinite(OLD.window_end_time)
       AND (OLD.window_end_time AT TIME ZONE 'UTC')::date >= v_kept THEN
        INSERT INTO pipeline_latency_deltas
        VALUES (OLD.pipeline_id, (OLD.window_end_time AT TIME ZONE 'UTC')::date, -1,
                OLD.pipeline_end_time - OLD.window_end_time,
                CASE WHEN isfinite(OLD.pipeline_start_time)
                     THEN OLD.pipeline_end_time - OLD.pipeline_start_time END,
                OLD.window_start_time);
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.pipeline_status IN ('SUCCESS', 'SKIPPED')
       AND isfinite(NEW.pipeline_end_time) AND isfinite(NEW.window_end_time)
       AND (NEW.window_end_time AT TIME ZONE 'UTC')::date >= v_kept THEN
        INSERT INTO pipeline_latency_deltas
        VALUES (NEW.pipeline_id, (NEW.window_end_time AT TIME ZONE 'UTC')::date, 1,
                NEW.pipeline_end_time - NEW.window_end_time,
                CASE WHEN isfinite(NEW.pipeline_start_time)
                     THEN NEW.pipeline_end_time - NEW.pipeline_start_time END,
                NEW.window_start_time);
    END IF;
    RETURN NULL;
END
$$;

-- Each WHEN passes only windows of window_latency that ended in the last 9 days (a superset
-- of the kept days, which the function checks); the update's, only when one enters, leaves
-- or changes what it counts for. A claim, a retry or a failure leaves both sides out.
CREATE TRIGGER pipeline_records_latency_insert
    AFTER INSERT ON pipeline_records
    FOR EACH ROW WHEN (NEW.pipeline_status IN ('SUCCESS', 'SKIPPED')
                       AND NEW.pipeline_end_time IS NOT NULL
                       AND NEW.window_end_time >= now() - interval '9 days')
    EXECUTE FUNCTION sluice_latency_delta();

CREATE TRIGGER pipeline_records_latency_update
    AFTER UPDATE OF pipeline_status, pipeline_end_time, pipeline_start_time, window_start_time,
                    window_end_time, pipeline_id ON pipeline_records
    FOR EACH ROW WHEN (((OLD.pipeline_status IN ('SUCCESS', 'SKIPPED')
                         AND OLD.pipeline_end_time IS NOT NULL
                         AND OLD.window_end_time >= now() - interval '9 days')
                        OR (NEW.pipeline_status IN ('SUCCESS', 'SKIPPED')
                            AND NEW.pipeline_end_time IS NOT NULL
                            AND NEW.window_end_time >= now() - interval '9 days'))
                       AND ((OLD.pipeline_status IN ('SUCCESS', 'SKIPPED'))
                                IS DISTINCT FROM (NEW.pipeline_status IN ('SUCCESS', 'SKIPPED'))
                            OR (OLD.pipeline_id, OLD.window_start_time, OLD.window_end_time,
                                OLD.pipeline_start_time, OLD.pipeline_end_time)
                                IS DISTINCT FROM (NEW.pipeline_id, NEW.window_start_time,
                                                  NEW.window_end_time, NEW.pipeline_start_time,
                                                  NEW.pipeline_end_time)))
    EXECUTE FUNCTION sluice_latency_delta();

CREATE TRIGGER pipeline_records_latency_delete
    AFTER DELETE ON pipeline_records
    FOR EACH ROW WHEN (OLD.pipeline_status IN ('SUCCESS', 'SKIPPED')
                       AND OLD.pipeline_end_time IS NOT NULL
                       AND OLD.window_end_time >= now() - interval '9 days')
    EXECUTE FUNCTION sluice_latency_delta();

CREATE FUNCTION sluice_latency_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM pipeline_latency_deltas;
    DELETE FROM pipeline_latency_days;
    DELETE FROM pipeline_latency;
    RETURN NULL;
END
$$;

CREATE TRIGGER pipeline_records_latency_truncate
    AFTER TRUNCATE ON pipeline_records
    FOR EACH STATEMENT EXECUTE FUNCTION sluice_latency_truncate();

-- window_latency_summary's row of each of `ids` over the windows that ended from `from_day`
-- on: its days, its pending deltas, and the largest latency of a day a window left read from
-- the windows. Pipelines without such windows have no row.
CREATE FUNCTION sluice_latency_of(from_day date, ids text[])
RETURNS TABLE (pipeline_id text, windows bigint, latency_p50 interval, latency_p95 interval,
               latency_max interval, run_p50 interval, run_p95 interval)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
    IF coalesce(cardinality(ids), 0) = 0 THEN
        RETURN;
    END IF;
    RETURN QUERY
    WITH wanted AS (
        SELECT DISTINCT u.id FROM unnest(ids) u(id)
    ), days AS (
        SELECT d.* FROM pipeline_latency_days d JOIN wanted w ON w.id = d.pipeline_id
         WHERE d.day >= from_day
    ), pending AS (
        SELECT x.* FROM pipeline_latency_deltas x JOIN wanted w ON w.id = x.pipeline_id
         WHERE x.day >= from_day
    ), spans AS (
        SELECT u.pipeline_id, u.day, sum(u.windows)::bigint AS windows,
               max(u.latency_max) AS latency_max, min(u.first_start) AS first_start,
               bool_or(u.windows < 0) AS left_one
          FROM (SELECT d.pipeline_id, d.day, d.windows, d.latency_max, d.first_start FROM days d
                UNION ALL
                SELECT x.pipeline_id, x.day, x.windows, CASE WHEN x.windows > 0 THEN x.latency END,
                       x.window_start
                  FROM pending x) u
         GROUP BY u.pipeline_id, u.day
    ), totals AS (
        SELECT s.pipeline_id, sum(s.windows)::bigint AS windows,
               max(CASE WHEN NOT s.left_one THEN s.latency_max
                        ELSE (SELECT max(r.pipeline_end_time - r.window_end_time)
                                FROM pipeline_records r
                               WHERE r.pipeline_id = s.pipeline_id
                                 AND r.window_start_time >= s.first_start
                                 AND r.window_start_time
                                     < (s.day + 1)::timestamp AT TIME ZONE 'UTC'
                                 AND r.window_end_time >= s.day::timestamp AT TIME ZONE 'UTC'
                                 AND r.window_end_time < (s.day + 1)::timestamp AT TIME ZONE 'UTC'
                                 AND r.pipeline_status IN ('SUCCESS', 'SKIPPED')
                                 AND isfinite(r.pipeline_end_time)) END) AS latency_max
          FROM spans s
         GROUP BY s.pipeline_id
    ), counted AS (
        SELECT e.pipeline_id, e.run, e.bucket, sum(e.n)::integer AS n
          FROM (SELECT d.pipeline_id, false AS run, b.bucket, b.n
                  FROM days d CROSS JOIN unnest(d.latency_buckets, d.latency_counts) b(bucket, n)
                UNION ALL
                SELECT d.pipeline_id, true, b.bucket, b.n
                  FROM days d CROSS JOIN unnest(d.run_buckets, d.run_counts) b(bucket, n)
                UNION ALL
                SELECT x.pipeline_id, false,
                       sluice_latency_bucket(extract(epoch FROM x.latency)::float8), x.windows
                  FROM pending x
                UNION ALL
                SELECT x.pipeline_id, true,
                       sluice_latency_bucket(extract(epoch FROM x.run_duration)::float8), x.windows
                  FROM pending x
                 WHERE x.run_duration IS NOT NULL) e
         GROUP BY e.pipeline_id, e.run, e.bucket
        HAVING sum(e.n) > 0
    ), ranked AS (
        SELECT c.pipeline_id, c.run, c.bucket,
               sum(c.n) OVER (PARTITION BY c.pipeline_id, c.run ORDER BY c.bucket) AS upto,
               sum(c.n) OVER (PARTITION BY c.pipeline_id, c.run) AS total
          FROM counted c
    ), positions AS (  -- the 0-based ranks percentile_cont interpolates between
        SELECT r.*, 0.5::float8 * (r.total - 1) AS r50, 0.95::float8 * (r.total - 1) AS r95
          FROM ranked r
    ), quantiles AS (
        SELECT p.pipeline_id, p.run,
               sluice_latency_quantile(min(p.bucket) FILTER (WHERE p.upto > floor(p.r50)),
                                       min(p.bucket) FILTER (WHERE p.upto > ceil(p.r50)),
                                       min(p.r50)) AS p50,
               sluice_latency_quantile(min(p.bucket) FILTER (WHERE p.upto > floor(p.r95)),
                                       min(p.bucket) FILTER (WHERE p.upto > ceil(p.r95)),
                                       min(p.r95)) AS p95
          FROM positions p
         GROUP BY p.pipeline_id, p.run
    )
    -- An estimate above the largest latency is the largest: nearer the exact value.
    SELECT t.pipeline_id, t.windows, least(l.p50, t.latency_max), least(l.p95, t.latency_max),
           t.latency_max, r.p50, r.p95
      FROM totals t
      LEFT JOIN quantiles l ON l.pipeline_id = t.pipeline_id AND NOT l.run
      LEFT JOIN quantiles r ON r.pipeline_id = t.pipeline_id AND r.run
     WHERE t.windows > 0;
END
$$;

-- Moves the deltas into pipeline_latency_days, marks the pipelines they touched to be
-- computed again, then computes pipeline_latency anew for up to 1,000 marked pipelines or
-- pipelines of an earlier 7 days (after midnight UTC every one: 10,000 take ten folds instead
-- of one that holds the daemon's control thread for seconds; readers compute the rest
-- meanwhile). Returns how many deltas it moved (0 when another session is folding: that one
-- moves them). A day a window left gets its largest latency and first start read from its
-- windows: that read runs after the deltas were taken, so what changed in between left
-- deltas of its own, which the next fold and the readers still see (the largest and the
-- first start only ever widen from them).
CREATE FUNCTION sluice_fold_latency() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_today   date := (now() AT TIME ZONE 'UTC')::date;
    v_moved   bigint;
    v_touched text[];
    v_left    text[];
    v_left_on date[];
BEGIN
    IF NOT pg_try_advisory_xact_lock(hashtextextended('sluice.fold_latency', 0)) THEN
        RETURN 0;
    END IF;
    WITH moved AS (
        DELETE FROM pipeline_latency_deltas RETURNING *
    ), kept AS (
        SELECT * FROM moved WHERE day >= v_today - 8
    ), spans AS (
        SELECT k.pipeline_id, k.day, sum(k.windows) AS windows,
               max(k.latency) FILTER (WHERE k.windows > 0) AS latency_max,
               min(k.window_start) AS first_start, bool_or(k.windows < 0) AS left_one
          FROM kept k
         GROUP BY k.pipeline_id, k.day
    ), summed AS (
        SELECT e.pipeline_id, e.day, e.run, e.bucket, sum(e.n)::integer AS n
          FROM (SELECT d.pipeline_id, d.day, false AS run, b.bucket, b.n
                  FROM pipeline_latency_days d
                  JOIN spans s ON s.pipeline_id = d.pipeline_id AND s.day = d.day
                 CROSS JOIN unnest(d.latency_buckets, d.latency_counts) b(bucket, n)
                UNION ALL
                SELECT d.pipeline_id, d.day, true, b.bucket, b.n
                  FROM pipeline_latency_days d
                  JOIN spans s ON s.pipeline_id = d.pipeline_id AND s.day = d.day
                 CROSS JOIN unnest(d.run_buckets, d.run_counts) b(bucket, n)
                UNION ALL
                SELECT k.pipeline_id, k.day, false,
                       sluice_latency_bucket(extract(epoch FROM k.latency)::float8), k.windows
                  FROM kept k
                UNION ALL
                SELECT k.pipeline_id, k.day, true,
                       sluice_latency_bucket(extract(epoch FROM k.run_duration)::float8), k.windows
                  FROM kept k
                 WHERE k.run_duration IS NOT NULL) e
         GROUP BY e.pipeline_id, e.day, e.run, e.bucket
        HAVING sum(e.n) <> 0
    ), histograms AS (
        SELECT pipeline_id, day,
               array_agg(bucket ORDER BY bucket) FILTER (WHERE NOT run) AS latency_buckets,
               array_agg(n ORDER BY bucket) FILTER (WHERE NOT run) AS latency_counts,
               array_agg(bucket ORDER BY bucket) FILTER (WHERE run) AS run_buckets,
               array_agg(n ORDER BY bucket) FILTER (WHERE run) AS run_counts
          FROM summed
         GROUP BY pipeline_id, day
    ), merged AS (
        SELECT s.pipeline_id, s.day, coalesce(d.windows, 0) + s.windows AS windows,
               greatest(d.latency_max, s.latency_max) AS latency_max,
               least(d.first_start, s.first_start) AS first_start,
               coalesce(h.latency_buckets, '{}') AS latency_buckets,
               coalesce(h.latency_counts, '{}') AS latency_counts,
               coalesce(h.run_buckets, '{}') AS run_buckets,
               coalesce(h.run_counts, '{}') AS run_counts, s.left_one
          FROM spans s
          LEFT JOIN pipeline_latency_days d ON d.pipeline_id = s.pipeline_id AND d.day = s.day
          LEFT JOIN histograms h ON h.pipeline_id = s.pipeline_id AND h.day = s.day
    ), written AS (
        INSERT INTO pipeline_latency_days AS d
        SELECT pipeline_id, day, windows, latency_max, first_start, latency_buckets,
               latency_counts, run_buckets, run_counts
          FROM merged
         WHERE windows <> 0
         ORDER BY pipeline_id, day
        ON CONFLICT (pipeline_id, day) DO UPDATE
           SET windows = excluded.windows, latency_max = excluded.latency_max,
               first_start = excluded.first_start, latency_buckets = excluded.latency_buckets,
               latency_counts = excluded.latency_counts, run_buckets = excluded.run_buckets,
               run_counts = excluded.run_counts
    ), emptied AS (
        DELETE FROM pipeline_latency_days d
         USING merged m
         WHERE m.windows = 0 AND d.pipeline_id = m.pipeline_id AND d.day = m.day
    )
    SELECT (SELECT count(*) FROM moved),
           (SELECT array_agg(DISTINCT pipeline_id) FROM spans),
           (SELECT array_agg(pipeline_id ORDER BY pipeline_id, day) FROM merged
             WHERE left_one AND windows > 0),
           (SELECT array_agg(day ORDER BY pipeline_id, day) FROM merged
             WHERE left_one AND windows > 0)
      INTO v_moved, v_touched, v_left, v_left_on;

    IF v_left IS NOT NULL THEN
        UPDATE pipeline_latency_days d
           SET (latency_max, first_start) =
               (SELECT max(r.pipeline_end_time - r.window_end_time), min(r.window_start_time)
                  FROM pipeline_records r
                 WHERE r.pipeline_id = d.pipeline_id
                   AND r.window_start_time >= d.first_start
                   AND r.window_start_time < (d.day + 1)::timestamp AT TIME ZONE 'UTC'
                   AND r.window_end_time >= d.day::timestamp AT TIME ZONE 'UTC'
                   AND r.window_end_time < (d.day + 1)::timestamp AT TIME ZONE 'UTC'
                   AND r.pipeline_status IN ('SUCCESS', 'SKIPPED')
                   AND isfinite(r.pipeline_end_time))
          FROM unnest(v_left, v_left_on) l(pipeline_id, day)
         WHERE d.pipeline_id = l.pipeline_id AND d.day = l.day;
    END IF;

    -- Their rows are out of date: readers compute them until they are computed again.
    INSERT INTO pipeline_latency AS l (pipeline_id, from_day, windows)
    SELECT t.id, NULL, 0 FROM unnest(v_touched) t(id) ORDER BY t.id
    ON CONFLICT (pipeline_id) DO UPDATE SET from_day = NULL;

    -- The 7 days moved: the day that left the kept ones goes.
    IF EXISTS (SELECT 1 FROM pipeline_latency WHERE from_day < v_today - 7) THEN
        DELETE FROM pipeline_latency_days WHERE day < v_today - 8;
    END IF;
    v_touched := ARRAY(SELECT pipeline_id FROM pipeline_latency
                        WHERE from_day IS DISTINCT FROM v_today - 7
                        LIMIT 1000);
    IF cardinality(v_touched) > 0 THEN
        WITH computed AS (
            SELECT * FROM sluice_latency_of(v_today - 7, v_touched)
        ), written AS (
            INSERT INTO pipeline_latency AS l
            SELECT c.pipeline_id, v_today - 7, c.windows, c.latency_p50, c.latency_p95,
                   c.latency_max, c.run_p50, c.run_p95
              FROM computed c
             ORDER BY c.pipeline_id
            ON CONFLICT (pipeline_id) DO UPDATE
               SET from_day = excluded.from_day, windows = excluded.windows,
                   latency_p50 = excluded.latency_p50, latency_p95 = excluded.latency_p95,
                   latency_max = excluded.latency_max, run_p50 = excluded.run_p50,
                   run_p95 = excluded.run_p95
        )
        DELETE FROM pipeline_latency l
         USING unnest(v_touched) t(id)
         WHERE l.pipeline_id = t.id
           AND NOT EXISTS (SELECT 1 FROM computed c WHERE c.pipeline_id = l.pipeline_id);
    END IF;
    RETURN v_moved;
END
$$;

-- Percentiles of window_latency per pipeline, over the windows that ended from midnight UTC
-- 7 days ago on (7 to 8 days): from pipeline_latency where the pipeline's row is current,
-- computed from its days and deltas where it is not (deltas pending, not computed since, or
-- computed for an earlier 7 days). Same columns as sql/queries/latency.sql's; counts and latency_max exact,
-- percentiles within 5% (above). With nothing stale the function is not called at all: a
-- session's first call of it costs tens of milliseconds.
CREATE VIEW window_latency_summary AS
WITH since AS MATERIALIZED (
    SELECT (now() AT TIME ZONE 'UTC')::date - 7 AS day
), stale AS MATERIALIZED (
    SELECT x.pipeline_id FROM pipeline_latency_deltas x, since WHERE x.day >= since.day
    UNION
    SELECT l.pipeline_id FROM pipeline_latency l, since
     WHERE l.from_day IS DISTINCT FROM since.day
)
SELECT l.pipeline_id, l.windows, l.latency_p50, l.latency_p95, l.latency_max, l.run_p50,
       l.run_p95
  FROM pipeline_latency l, since
 WHERE l.from_day = since.day
   AND NOT EXISTS (SELECT 1 FROM stale s WHERE s.pipeline_id = l.pipeline_id)
UNION ALL
SELECT f.pipeline_id, f.windows, f.latency_p50, f.latency_p95, f.latency_max, f.run_p50,
       f.run_p95
  FROM since, sluice_latency_of(since.day, ARRAY(SELECT pipeline_id FROM stale)) f
 WHERE EXISTS (SELECT 1 FROM stale);

-- Counts the kept days' windows anew from pipeline_records, writers held off meanwhile:
-- for this migration, and for a database filled with the triggers off. Returns the windows
-- counted.
CREATE FUNCTION sluice_rebuild_latency() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_counted bigint;
BEGIN
    LOCK TABLE pipeline_records IN SHARE MODE;
    PERFORM pg_advisory_xact_lock(hashtextextended('sluice.fold_latency', 0));
    DELETE FROM pipeline_latency_deltas;
    DELETE FROM pipeline_latency_days;
    DELETE FROM pipeline_latency;
    INSERT INTO pipeline_latency_deltas
    SELECT pipeline_id, (window_end_time AT TIME ZONE 'UTC')::date, 1,
           pipeline_end_time - window_end_time,
           CASE WHEN isfinite(pipeline_start_time) THEN pipeline_end_time - pipeline_start_time END,
           window_start_time
      FROM pipeline_records
     WHERE pipeline_status IN ('SUCCESS', 'SKIPPED')
       AND isfinite(pipeline_end_time) AND isfinite(window_end_time)
       AND window_end_time >= ((now() AT TIME ZONE 'UTC')::date - 8)::timestamp AT TIME ZONE 'UTC';
    v_counted := sluice_fold_latency();
    -- Every pipeline computed now, not 1,000 a fold.
    WHILE EXISTS (SELECT 1 FROM pipeline_latency
                   WHERE from_day IS DISTINCT FROM (now() AT TIME ZONE 'UTC')::date - 7) LOOP
        PERFORM sluice_fold_latency();
    END LOOP;
    -- The deltas of every window of the week, dead now: not left for each reader to skip.
    TRUNCATE pipeline_latency_deltas;
    RETURN v_counted;
END
$$;

SELECT sluice_rebuild_latency();
