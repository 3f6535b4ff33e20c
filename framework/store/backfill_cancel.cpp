// Backfills::cancel: its own file because it is the one write to a request that does not
// come from a processor.
#include <pqxx/pqxx>

#include "framework/store/backfill.hpp"
#include "framework/store/errors.hpp"
#include "framework/store/operator.hpp"
#include "framework/store/params.hpp"

namespace sluice::store {

Result<BackfillCancel> Backfills::cancel(std::int64_t id, const AuditEntry& audit) {
  return attempt("cancelling a backfill request", [&]() -> BackfillCancel {
    pqxx::work tx(connection_);
    // FOR UPDATE waits out a processor's batch in flight: the cancel then sees its windows.
    const auto found = tx.exec_params(
        "SELECT status, pipeline_id, extract(epoch FROM from_time)::bigint, "
        "extract(epoch FROM CASE WHEN status = 'RUNNING' THEN to_time ELSE planned_until END)"
        "::bigint FROM backfill_requests WHERE id = $1 FOR UPDATE",
        id);
    BackfillCancel out;
    if (found.empty()) {
      out.outcome = BackfillCancel::Outcome::not_found;
      return out;
    }
    const auto& row = found[0];
    out.status = row[0].as<std::string>();
    if (out.status != "PENDING" && out.status != "RUNNING") {
      out.outcome = BackfillCancel::Outcome::ended;
      return out;
    }
    const PipelineId pipeline{row[1].as<std::string>()};
    const Instant from{Seconds{row[2].as<std::int64_t>()}};
    if (!row[3].is_null()) {
      const Instant planned_until{Seconds{row[3].as<std::int64_t>()}};
      RecordSelection queued{.pipeline = pipeline,
                             .from = from,
                             .to = planned_until,
                             .statuses = {Status::pending},
                             .trigger = Trigger::backfill};
      SqlParams params;
      std::string where = selection_where(queued, params);
      // Re-checked on the locked row: a window claimed meanwhile stays with its run.
      out.withdrawn = static_cast<std::int64_t>(
          exec_with(tx,
                    "DELETE FROM pipeline_records WHERE id IN (SELECT r.id FROM pipeline_records "
                    "r WHERE " +
                        where + " FOR UPDATE) AND pipeline_status = 'PENDING'",
                    params)
              .affected_rows());
      queued.statuses = {Status::in_progress};
      params.clear();
      where = selection_where(queued, params);
      out.running =
          exec_with(tx, "SELECT count(*) FROM pipeline_records r WHERE " + where, params)[0][0]
              .as<std::int64_t>();
    }
    exec_with(tx,
              "UPDATE backfill_requests SET status = 'CANCELLED', finished_at = now(), "
              "message = $2 WHERE id = $1",
              {std::to_string(id), stored_message("cancelled by " + audit.actor)});
    AuditEntry a = audit;
    a.arguments["request"] = id;
    audit_in(tx, a, out.withdrawn);
    tx.commit();
    return out;
  });
}

}  // namespace sluice::store
