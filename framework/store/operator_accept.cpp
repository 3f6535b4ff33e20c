// mark-success: an operator accepts a FAILED window as it is (framework/store/operator.hpp).
#include <pqxx/pqxx>

#include "framework/store/errors.hpp"
#include "framework/store/operator.hpp"

namespace sluice::store {

Result<AcceptOutcome> Operator::accept(const PipelineId& pipeline, Instant window_start,
                                       std::string_view reason, const AuditEntry& audit) {
  return attempt("accepting a failed window", [&] {
    pqxx::work tx(connection_);
    // The row is locked before its status is judged: a rerun or a claim meanwhile is seen
    // as it committed, and nothing can take the record between the check and the write.
    const auto found = exec_with(
        tx,
        "SELECT id, pipeline_status FROM pipeline_records "
        "WHERE pipeline_id = $1 AND window_start_time = to_timestamp($2::bigint) FOR UPDATE",
        {pipeline.value, std::to_string(window_start.time_since_epoch().count())});
    AcceptOutcome out;
    if (found.empty()) return out;
    out.found = true;
    out.id = found[0][0].as<std::int64_t>();
    out.status = parse_status(found[0][1].as<std::string>()).value_or(Status::pending);
    const auto move = find_transition(Move::accept, out.status);
    if (!move) return out;  // rolled back: nothing written, not even the audit row
    exec_with(
        tx,
        "WITH o AS (SELECT id, dag_run_id AS old_run FROM pipeline_records WHERE id = $1), "
        "u AS (UPDATE pipeline_records r SET pipeline_status = $2, audit_result = 'ACCEPTED', "
        "  dag_run_id = NULL, locked_by = NULL, pipeline_locked_at = NULL, heartbeat_at = NULL, "
        "  next_attempt_at = NULL, force_reload = false, "
        "  pipeline_end_time = coalesce(r.pipeline_end_time, now()) "
        "  FROM o WHERE r.id = o.id AND r.pipeline_status = $3 "
        "  RETURNING r.id, r.pipeline_id, o.old_run) "
        "INSERT INTO pipeline_events (record_id, pipeline_id, dag_run_id, task, from_status, "
        "  to_status, outcome, started_at, ended_at, message, host) "
        "SELECT id, pipeline_id, old_run, 'operator', $3, $2, 'ACCEPTED', now(), now(), $4, $5 "
        "FROM u",
        {std::to_string(out.id), std::string(to_string(move->to)),
         std::string(to_string(move->from)),
         stored_message("accepted by " + audit.actor + ": " + std::string(reason)), host_});
    AuditEntry a = audit;
    a.arguments["id"] = out.id;
    audit_in(tx, a, 1);
    tx.commit();
    out.accepted = true;
    return out;
  });
}

}  // namespace sluice::store
