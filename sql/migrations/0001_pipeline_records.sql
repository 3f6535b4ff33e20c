-- One row per (pipeline, window): the record every task of the chain reads and writes.
-- Column names are the seed framework's so its operators keep their queries; what a
-- multi-host system needs is added (pipeline_id, trigger, locked_by, heartbeat_at, ...).
-- Every timestamp is timestamptz: leases are judged with the database clock (now()).

CREATE TABLE pipeline_records (
    id                                   bigserial PRIMARY KEY,
    pipeline_id                          text        NOT NULL,
    source_name                          text,
    target_name                          text,

    -- The window: half-open [window_start_time, window_end_time); target_day is the local
    -- date of the start in the pipeline's time zone.
    target_day                           date        NOT NULL,
    window_start_time                    timestamptz NOT NULL,
    window_end_time                      timestamptz NOT NULL,
    time_interval                        text        NOT NULL,
    trigger                              text        NOT NULL DEFAULT 'scheduled',

    -- The run-ID lock: dag_run_id is the fencing token written at each claim.
    dag_run_id                           text,
    pipeline_status                      text        NOT NULL DEFAULT 'PENDING',
    pipeline_locked_at                   timestamptz,
    locked_by                            text,        -- host:pid of the claiming worker
    heartbeat_at                         timestamptz,
    next_attempt_at                      timestamptz, -- retry backoff: not claimable before

    source_to_stage_ingestion_start_time timestamptz,
    source_to_stage_ingestion_end_time   timestamptz,
    source_to_stage_ingestion_status     text        NOT NULL DEFAULT 'PENDING',

    stage_to_target_ingestion_start_time timestamptz,
    stage_to_target_ingestion_end_time   timestamptz,
    stage_to_target_ingestion_status     text        NOT NULL DEFAULT 'PENDING',

    audit_start_time                     timestamptz,
    audit_end_time                       timestamptz,
    audit_status                         text        NOT NULL DEFAULT 'PENDING',
    audit_result                         text,
    source_count                         bigint,
    target_count                         bigint,
    count_difference                     bigint,
    percentage_difference                numeric(7,2),
    stage_count                          bigint,
    stage_bytes                          bigint,

    pipeline_start_time                  timestamptz,
    pipeline_end_time                    timestamptz,
    phase_completed                      text,
    retry_attempt                        integer     NOT NULL DEFAULT 0,
    error_message                        text,
    business_fields                      jsonb       NOT NULL DEFAULT '{}',
    record_first_created_time            timestamptz NOT NULL DEFAULT now(),
    record_last_updated_time             timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT pipeline_records_window_unique UNIQUE (pipeline_id, window_start_time),
    CONSTRAINT pipeline_records_window_order CHECK (window_end_time > window_start_time),
    CONSTRAINT pipeline_records_trigger_check
        CHECK (trigger IN ('scheduled', 'backfill', 'manual')),
    CONSTRAINT pipeline_records_status_check
        CHECK (pipeline_status IN ('PENDING', 'IN_PROGRESS', 'SUCCESS', 'SKIPPED', 'FAILED')),
    -- A record is only ever IN_PROGRESS under a claim, and a claim writes both.
    CONSTRAINT pipeline_records_claim_check
        CHECK (pipeline_status <> 'IN_PROGRESS'
               OR (dag_run_id IS NOT NULL AND pipeline_locked_at IS NOT NULL)),
    CONSTRAINT pipeline_records_source_to_stage_status_check
        CHECK (source_to_stage_ingestion_status
               IN ('PENDING', 'IN_PROGRESS', 'SUCCESS', 'SKIPPED', 'FAILED')),
    CONSTRAINT pipeline_records_stage_to_target_status_check
        CHECK (stage_to_target_ingestion_status
               IN ('PENDING', 'IN_PROGRESS', 'SUCCESS', 'SKIPPED', 'FAILED')),
    CONSTRAINT pipeline_records_audit_status_check
        CHECK (audit_status IN ('PENDING', 'IN_PROGRESS', 'SUCCESS', 'SKIPPED', 'FAILED')),
    CONSTRAINT pipeline_records_audit_result_check CHECK (audit_result IN ('PASS', 'FAIL')),
    CONSTRAINT pipeline_records_phase_check
        CHECK (phase_completed IN ('PRE_VALIDATION', 'SOURCE_TO_STAGE', 'STAGE_TO_TARGET',
                                   'AUDIT')),
    CONSTRAINT pipeline_records_retry_attempt_check CHECK (retry_attempt >= 0),
    CONSTRAINT pipeline_records_business_fields_check
        CHECK (jsonb_typeof(business_fields) = 'object')
);

COMMENT ON TABLE pipeline_records IS
    'One record per (pipeline, window); sluice''s run-ID lock and the task chain''s state.';
COMMENT ON COLUMN pipeline_records.dag_run_id IS
    'Fencing token written at each claim (scheduled__/backfill__/manual__ + claim instant); '
    'every write after the claim is WHERE id AND dag_run_id AND pipeline_status = IN_PROGRESS.';
COMMENT ON COLUMN pipeline_records.phase_completed IS
    'Last task completed, so a retried record resumes after it.';
COMMENT ON COLUMN pipeline_records.next_attempt_at IS
    'Retry backoff: a PENDING record is not claimed before this instant (NULL: at once).';

-- The claim: the oldest claimable PENDING window of a pipeline,
--   WHERE pipeline_status = 'PENDING' AND pipeline_id = $1
--     AND (next_attempt_at IS NULL OR next_attempt_at <= now())
--   ORDER BY window_start_time LIMIT n FOR UPDATE SKIP LOCKED
-- The index holds PENDING rows only, so it stays small however long the history grows;
-- next_attempt_at is carried along so the backoff filter needs no second lookup.
CREATE INDEX pipeline_records_claim_idx
    ON pipeline_records (pipeline_id, window_start_time) INCLUDE (next_attempt_at)
    WHERE pipeline_status = 'PENDING';

-- The stale-lock scan and the running-windows count, on the exact expression the cleanup
-- uses: WHERE pipeline_status = 'IN_PROGRESS'
--         AND COALESCE(heartbeat_at, pipeline_locked_at) < now() - $threshold
CREATE INDEX pipeline_records_lease_idx
    ON pipeline_records ((COALESCE(heartbeat_at, pipeline_locked_at)))
    WHERE pipeline_status = 'IN_PROGRESS';

-- One pipeline over a window range (records list, last success, backfill) is served by the
-- unique constraint's index on (pipeline_id, window_start_time), and each rare status by its
-- partial index; a general status index would only slow every claim and finish down.
-- Across pipelines by window range (the seed's idx_time_window):
CREATE INDEX pipeline_records_window_idx
    ON pipeline_records (window_start_time, window_end_time);

-- Failed windows stay few; their own index keeps the failed list instant.
CREATE INDEX pipeline_records_failed_idx
    ON pipeline_records (pipeline_id, window_start_time)
    WHERE pipeline_status = 'FAILED';

-- record_last_updated_time follows every update, whoever writes it (daemon, sluicectl,
-- an operator's psql), so it is trustworthy in operator queries.
CREATE FUNCTION sluice_touch_record() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.record_last_updated_time := now();
    RETURN NEW;
END
$$;

CREATE TRIGGER pipeline_records_touch
    BEFORE UPDATE ON pipeline_records
    FOR EACH ROW EXECUTE FUNCTION sluice_touch_record();
