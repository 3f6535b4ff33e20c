-- Everything that happened to one window: each claim (run ID), task outcome and transition,
-- on which host. Set the pipeline and the window start:
\set pipeline 'orders'
\set window_start '2024-03-10 08:00:00+00'

SELECT e.created_at,
       e.dag_run_id,
       e.task,
       e.from_status || ' -> ' || e.to_status AS transition,
       e.outcome,
       e.rows,
       e.ended_at - e.started_at               AS took,
       e.host,
       e.message
  FROM pipeline_records r
  JOIN pipeline_events e ON e.record_id = r.id
 WHERE r.pipeline_id = :'pipeline'
   AND r.window_start_time = :'window_start'
 ORDER BY e.id;
