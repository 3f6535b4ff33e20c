-- How long after a window closes is it loaded? Percentiles per pipeline over the last
-- 7 days (the windows that ended from midnight UTC 7 days ago on). latency includes the
-- pipeline's x_time_back stability lag by design; run_duration is the last attempt alone,
-- from claim to finish. Read from the summary kept by migration 0022, one row per pipeline:
-- windows and latency_max are exact, the percentiles within 5% of percentile_cont's
-- (buckets 10% apart; of the larger of the two latencies around the rank when they straddle
-- zero). latency_exact.sql computes them exactly from every window, at a cost per window.
SELECT pipeline_id, windows, latency_p50, latency_p95, latency_max, run_p50, run_p95
  FROM window_latency_summary
 ORDER BY latency_p95 DESC;
