-- A claim walks under one set of claim limits from its first statement to its last.
--
-- sluice_claim_windows (0017) checks the holder's fingerprint once, then each statement of its
-- walk reads claim_limits anew: a reload that stored another set while a claim walked could
-- let the claim hand a worker a window of a pipeline the worker no longer has, under limits
-- it never checked. The claim now holds, for its transaction, a shared advisory lock on its
-- holder's limits, which sluice_store_claim_limits takes exclusively (0017): a store waits
-- for the claims walking under the old set, and a claim that starts meanwhile waits for the
-- store, then sees the new set and fails with SLU02 if it sends the old fingerprint.
--
-- The walk is 0017's function, renamed; the lock comes first, before the walk takes any
-- other lock, so a claimer still never waits for a lock while holding one of another claim.
ALTER FUNCTION sluice_claim_windows(text, bigint, integer) RENAME TO sluice_claim_windows_walk;

COMMENT ON FUNCTION sluice_claim_windows_walk(text, bigint, integer) IS
    'The walk of sluice_claim_windows, which calls it holding its holder''s limits lock.';

CREATE FUNCTION sluice_claim_windows(
    p_locked_by   text,
    p_fingerprint bigint,
    p_max         integer
) RETURNS SETOF pipeline_records
LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(
        hashtextextended('sluice.claim_limits.' || p_locked_by, 0));
    RETURN QUERY SELECT * FROM sluice_claim_windows_walk(p_locked_by, p_fingerprint, p_max);
END
$$;

COMMENT ON FUNCTION sluice_claim_windows(text, bigint, integer) IS
    'Claims up to p_max windows of one pipeline under the holder''s stored claim limits.';
