-- latency.sql's columns, exact (percentile_cont over every window that ended in the last
-- 7 x 24 hours): its cost follows those windows, 3.4 s for 10,000 hourly pipelines. Ask it of
-- a few pipelines at that scale (uncomment the filter: an index probe each).
-- latency includes the pipeline's x_time_back stability lag by design; run_duration is the
-- last attempt alone, from claim to finish.
SELECT pipeline_id,
       count(*)                                                        AS windows,
       percentile_cont(0.5)  WITHIN GROUP (ORDER BY latency)           AS latency_p50,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY latency)           AS latency_p95,
       max(latency)                                                    AS latency_max,
       percentile_cont(0.5)  WITHIN GROUP (ORDER BY run_duration)      AS run_p50,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY run_duration)      AS run_p95
  FROM window_latency
 WHERE window_end_time > now() - interval '7 days'
-- AND pipeline_id IN ('orders_hourly')
 GROUP BY pipeline_id
 ORDER BY latency_p95 DESC;
