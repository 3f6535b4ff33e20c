-- Windows whose worker stopped renewing its lease. The threshold is the pipeline's
-- stale_threshold, else 15 minutes; override it for this session:
SET sluice.stuck_after = '10 minutes';

SELECT pipeline_id,
       window_start_time,
       locked_by,                -- host:pid of the worker that claimed it
       dag_run_id,
       lease_age,
       phase_completed
  FROM stuck_windows
 ORDER BY lease_age DESC;

-- The daemons' stale-lock cleanup returns these to PENDING by itself; to do it at once use
-- `sluicectl locks release --stale`, which re-checks the lease and writes the history.
