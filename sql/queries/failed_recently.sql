-- Windows that failed in the last 24 hours, newest first, with the error the record kept and
-- how many attempts it had. Rerun them with `sluicectl rerun PIPELINE --only-failed ...`.
SELECT pipeline_id,
       window_start_time,
       window_end_time,
       phase_completed,          -- the last task that completed before the failure
       retry_attempt,
       audit_result,
       percentage_difference,
       left(error_message, 120) AS error
  FROM failed_windows
 WHERE failed_at > now() - interval '24 hours'
 ORDER BY failed_at DESC;
