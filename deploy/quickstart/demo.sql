-- Demo source for the quickstart: a few days of synthetic timestamped events, and the
-- empty target the demo pipeline copies them into. Idempotent: run it as often as you like.
-- psql variable :start_day is the first local day of data (YYYY-MM-DD, UTC).
SET client_min_messages = warning;
CREATE SCHEMA IF NOT EXISTS demo;

CREATE TABLE IF NOT EXISTS demo.events (
  event_id   bigint PRIMARY KEY,
  event_time timestamptz NOT NULL,
  user_id    integer NOT NULL,
  kind       text NOT NULL,
  amount     numeric(12, 2),
  note       text
);
CREATE INDEX IF NOT EXISTS events_event_time_idx ON demo.events (event_time);

CREATE TABLE IF NOT EXISTS demo.events_copy (LIKE demo.events INCLUDING ALL);

-- About 120 events an hour from :start_day until now, deterministic so that two runs of
-- the quickstart load the same rows (ON CONFLICT keeps the second run from doubling them).
INSERT INTO demo.events (event_id, event_time, user_id, kind, amount, note)
SELECT n,
       :'start_day'::timestamptz + n * interval '30 seconds',
       (n * 7919) % 1000,
       (ARRAY['view', 'click', 'purchase', 'refund'])[1 + (n % 4)],
       CASE WHEN n % 4 IN (2, 3) THEN round(((n * 31) % 10000) / 100.0, 2) END,
       CASE WHEN n % 97 = 0 THEN 'note with "quotes", a tab	and ünicode' END
FROM generate_series(0, (extract(epoch FROM now() - :'start_day'::timestamptz) / 30)::bigint - 1) AS n
ON CONFLICT (event_id) DO NOTHING;

SELECT count(*) AS demo_events, min(event_time) AS first_event, max(event_time) AS last_event
FROM demo.events;
