-- The browser suite's known states (tests/browser/run.sh loads this after `db migrate`):
--   orders_hourly  UTC, 2026-11-01: 24 windows SUCCESS but 05:00 FAILED (its error an XSS
--                  probe); its source rows are real, so a rerun or a backfill loads them
--   zurich_hourly  Europe/Zurich, 2026-10-24..26 local: 73 windows (25 on the 25th, when
--                  02:00 comes twice), mostly SUCCESS, two FAILED, one SKIPPED; paused
--   xss_probe      a description, an error and business fields holding XSS probes; paused
--   orders_daily   depends on orders_hourly: its one day PENDING, waiting on the FAILED hour;
--                  paused
SET client_min_messages = warning;
CREATE SCHEMA demo;
CREATE TABLE demo.events (
  event_id   bigint PRIMARY KEY,
  event_time timestamptz NOT NULL,
  amount     numeric(12, 2),
  note       text
);
CREATE TABLE demo.events_copy (LIKE demo.events INCLUDING ALL);
CREATE TABLE demo.zurich_copy (LIKE demo.events INCLUDING ALL);
CREATE TABLE demo.xss_copy (LIKE demo.events INCLUDING ALL);
-- The catalog pipelines the console creates in its tests load this one.
CREATE TABLE demo.console_copy (LIKE demo.events INCLUDING ALL);
INSERT INTO demo.events
SELECT n, '2026-11-01T00:00:00Z'::timestamptz + n * interval '30 seconds', n % 1000,
       CASE WHEN n % 97 = 0 THEN '<b>not bold</b>' END
  FROM generate_series(0, 2879) AS n;

-- A finished window as the chain leaves it: times, counts, phases.
CREATE FUNCTION pg_temp.seed(p text, zone text, first timestamptz, last timestamptz)
RETURNS void LANGUAGE sql AS $$
INSERT INTO pipeline_records (
    pipeline_id, source_name, target_name, target_day, window_start_time, window_end_time,
    time_interval, pipeline_status, source_to_stage_ingestion_status,
    stage_to_target_ingestion_status, audit_status, audit_result, phase_completed,
    source_count, target_count, count_difference, pipeline_start_time, pipeline_end_time,
    source_to_stage_ingestion_start_time, source_to_stage_ingestion_end_time,
    stage_to_target_ingestion_start_time, stage_to_target_ingestion_end_time,
    audit_start_time, audit_end_time, dag_run_id)
SELECT p, 'demo.events', 'demo.copy', (w AT TIME ZONE zone)::date, w, w + interval '1 hour',
       '1h', 'SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS', 'PASS', 'AUDIT', 120, 120, 0,
       w + interval '70 minutes', w + interval '70 minutes 3.2 seconds',
       w + interval '70 minutes 0.1 seconds', w + interval '70 minutes 1.5 seconds',
       w + interval '70 minutes 1.5 seconds', w + interval '70 minutes 2.9 seconds',
       w + interval '70 minutes 2.9 seconds', w + interval '70 minutes 3.2 seconds',
       'seeded-' || p || '-' || extract(epoch FROM w)::bigint
  FROM generate_series(first, last, interval '1 hour') AS w
$$;

SELECT pg_temp.seed('orders_hourly', 'UTC', '2026-11-01T00:00:00Z', '2026-11-01T23:00:00Z');
UPDATE pipeline_records
   SET pipeline_status = 'FAILED', audit_status = 'PENDING', audit_result = NULL,
       stage_to_target_ingestion_status = 'FAILED', phase_completed = 'SOURCE_TO_STAGE',
       target_count = NULL, retry_attempt = 3,
       error_message = 'permanent: target refused the batch: <script>window.__xss = 3</script>'
                       || '"><img src=x onerror="window.__xss = 4">'
 WHERE pipeline_id = 'orders_hourly' AND window_start_time = '2026-11-01T05:00:00Z';

-- Local midnight of the 24th to local 23:00 of the 26th in Zurich (CEST, then CET).
SELECT pg_temp.seed('zurich_hourly', 'Europe/Zurich', '2026-10-23T22:00:00Z',
                    '2026-10-26T22:00:00Z');
UPDATE pipeline_records SET pipeline_status = 'FAILED', error_message = 'retryable: timeout'
 WHERE pipeline_id = 'zurich_hourly'
   AND window_start_time IN ('2026-10-25T00:00:00Z', '2026-10-26T05:00:00Z');
UPDATE pipeline_records SET pipeline_status = 'SKIPPED'
 WHERE pipeline_id = 'zurich_hourly' AND window_start_time = '2026-10-25T01:00:00Z';

SELECT pg_temp.seed('xss_probe', 'UTC', '2026-11-01T00:00:00Z', '2026-11-01T02:00:00Z');
UPDATE pipeline_records
   SET pipeline_status = 'FAILED',
       error_message = '<script>window.__xss = 5</script>"><img src=x onerror="window.__xss = 6">',
       business_fields = '{"note": "<img src=x onerror=\"window.__xss = 7\">"}'
 WHERE pipeline_id = 'xss_probe' AND window_start_time = '2026-11-01T01:00:00Z';

INSERT INTO pipeline_records (pipeline_id, source_name, target_name, target_day,
                              window_start_time, window_end_time, time_interval)
VALUES ('orders_daily', 'demo.events_copy', 'demo.orders_daily', '2026-11-01',
        '2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z', '1d');
