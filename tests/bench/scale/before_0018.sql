-- The operator queries as they were before migration 0018, in a schema of their own:
-- tests/integration/store/operator_queries_test.cpp checks that the rewritten ones answer the
-- same, and tests/bench/operator_queries_bench.sh times both side by side. Put first on the
-- search_path, before_0018.pipeline_summary is what sql/queries/backlog.sql reads.
CREATE SCHEMA IF NOT EXISTS before_0018;

-- pipeline_summary as migration 0016 defined it.
CREATE OR REPLACE VIEW before_0018.pipeline_summary AS
WITH pending AS (
    SELECT pipeline_id, count(*) AS pending,
           count(*) FILTER (WHERE next_attempt_at > now()) AS waiting_retry,
           min(window_start_time) AS oldest_pending_window
      FROM public.pipeline_records WHERE pipeline_status = 'PENDING' GROUP BY pipeline_id
), running AS (
    SELECT pipeline_id, count(*) AS running
      FROM public.pipeline_records WHERE pipeline_status = 'IN_PROGRESS' GROUP BY pipeline_id
), ids AS (
    SELECT pipeline_id FROM public.pipelines
    UNION SELECT pipeline_id FROM public.sluice_finished_counts
          WHERE succeeded + skipped + failed > 0
    UNION SELECT pipeline_id FROM pending
    UNION SELECT pipeline_id FROM running
)
SELECT i.pipeline_id,
       COALESCE(p.paused, false) AS paused,
       COALESCE(f.succeeded + f.skipped + f.failed, 0)
           + COALESCE(q.pending, 0) + COALESCE(r.running, 0) AS windows,
       COALESCE(q.pending, 0) AS pending,
       COALESCE(q.waiting_retry, 0) AS waiting_retry,
       COALESCE(r.running, 0) AS running,
       COALESCE(f.succeeded, 0) AS succeeded,
       COALESCE(f.skipped, 0) AS skipped,
       COALESCE(f.failed, 0) AS failed,
       f.last_success_at,
       CASE WHEN p.pipeline_id IS NOT NULL THEN p.newest_done_end
            ELSE (SELECT d.window_end_time FROM public.pipeline_records d
                   WHERE d.pipeline_id = i.pipeline_id
                     AND d.pipeline_status IN ('SUCCESS', 'SKIPPED')
                   ORDER BY d.window_start_time DESC LIMIT 1) END AS last_loaded_window_end,
       q.oldest_pending_window,
       f.last_failure_at
  FROM ids i
  LEFT JOIN public.pipelines p USING (pipeline_id)
  LEFT JOIN public.sluice_finished_counts f USING (pipeline_id)
  LEFT JOIN pending q USING (pipeline_id)
  LEFT JOIN running r USING (pipeline_id);

-- The statement of `status` (store::Operator::counts) before: a count of PENDING windows per
-- pipeline, and what holds the oldest one looked up for every pipeline.
CREATE OR REPLACE FUNCTION before_0018.counts(ids text[])
RETURNS TABLE (pipeline_id text, pending bigint, running bigint, failed bigint,
               succeeded bigint, skipped bigint, last_success_end bigint,
               last_generated_end bigint, paused boolean, waiting_on text)
LANGUAGE sql STABLE AS $$
WITH running AS (SELECT pipeline_id, count(*) AS n FROM public.pipeline_records
                  WHERE pipeline_status = 'IN_PROGRESS' GROUP BY pipeline_id)
SELECT p.id,
  (SELECT count(*) FROM public.pipeline_records q
    WHERE q.pipeline_id = p.id AND q.pipeline_status = 'PENDING'),
  coalesce(r.n, 0), coalesce(f.failed, 0), coalesce(f.succeeded, 0), coalesce(f.skipped, 0),
  extract(epoch FROM CASE WHEN pl.pipeline_id IS NOT NULL THEN pl.newest_done_end
    ELSE (SELECT d.window_end_time FROM public.pipeline_records d WHERE d.pipeline_id = p.id
           AND d.pipeline_status IN ('SUCCESS', 'SKIPPED')
         ORDER BY d.window_start_time DESC LIMIT 1) END)::bigint,
  extract(epoch FROM (SELECT g.window_end_time FROM public.pipeline_records g
    WHERE g.pipeline_id = p.id AND g.trigger <> 'backfill'
    ORDER BY g.window_start_time DESC LIMIT 1))::bigint,
  coalesce(pl.paused, false),
  (SELECT coalesce(public.sluice_waiting_on(q.pipeline_id, q.window_start_time,
                                            q.window_end_time),
          CASE WHEN (SELECT e.outcome FROM public.pipeline_events e WHERE e.record_id = q.id
                      ORDER BY e.id DESC LIMIT 1) = 'WAITING' THEN q.error_message END)
     FROM public.pipeline_records q WHERE q.pipeline_id = p.id
      AND q.pipeline_status = 'PENDING' ORDER BY q.window_start_time LIMIT 1)
FROM unnest(ids) AS p(id)
LEFT JOIN public.pipelines pl ON pl.pipeline_id = p.id
LEFT JOIN public.sluice_finished_counts f ON f.pipeline_id = p.id
LEFT JOIN running r ON r.pipeline_id = p.id
ORDER BY p.id
$$;
