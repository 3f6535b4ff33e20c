#include "framework/store/operator.hpp"

#include <pqxx/pqxx>

#include "framework/store/errors.hpp"

namespace sluice::store {
namespace {

std::string seconds_text(Instant t) {
  return std::to_string(t.time_since_epoch().count());
}

std::string status_array(std::span<const Status> statuses) {
  std::vector<std::string> names;
  for (auto s : statuses) names.emplace_back(to_string(s));
  return array_literal(names);
}

// The selection narrowed to the statuses `move` may leave from (none: the empty set).
RecordSelection narrowed(RecordSelection s, Move move) {
  std::vector<Status> allowed;
  for (const auto& t : transitions()) {
    if (t.move != move) continue;
    if (s.statuses.empty() ||
        std::find(s.statuses.begin(), s.statuses.end(), t.from) != s.statuses.end())
      allowed.push_back(t.from);
  }
  s.statuses = allowed;
  return s;
}

}  // namespace

std::string selection_where(const RecordSelection& s, SqlParams& params) {
  const auto n = [&] { return "$" + std::to_string(params.size()); };
  std::string where = "TRUE";
  if (s.pipeline) {
    params.emplace_back(s.pipeline->value);
    where += " AND r.pipeline_id = " + n();
  }
  if (s.pipelines) {
    params.emplace_back(array_literal(*s.pipelines));
    where += " AND r.pipeline_id = ANY(" + n() + "::text[])";
  }
  if (s.from) {
    params.emplace_back(seconds_text(*s.from));
    where += " AND r.window_start_time >= to_timestamp(" + n() + "::bigint)";
  }
  if (s.to) {
    params.emplace_back(seconds_text(*s.to));
    where += " AND r.window_start_time < to_timestamp(" + n() + "::bigint)";
  }
  if (!s.ids.empty()) {
    std::vector<std::string> ids;
    for (auto id : s.ids) ids.push_back(std::to_string(id));
    params.emplace_back(array_literal(ids));
    where += " AND r.id = ANY(" + n() + "::bigint[])";
  }
  if (!s.statuses.empty()) {
    params.emplace_back(status_array(s.statuses));
    where += " AND r.pipeline_status = ANY(" + n() + "::text[])";
  }
  if (s.trigger) {
    params.emplace_back(std::string(to_string(*s.trigger)));
    where += " AND r.trigger = " + n();
  }
  if (s.after) {
    params.emplace_back(s.after->pipeline);
    const std::string pipeline = n();
    params.emplace_back(seconds_text(s.after->window_start));
    where += std::string(" AND (r.pipeline_id, r.window_start_time) ") +
             (s.newest_first ? "<" : ">") + " (" + pipeline + ", to_timestamp(" + n() +
             "::bigint))";
  }
  return where;
}

std::int64_t rerun_in(pqxx::transaction_base& tx, const RecordSelection& selection, Trigger trigger,
                      std::string_view message, std::string_view host, bool force) {
  const RecordSelection s = narrowed(selection, Move::rerun);
  if (s.statuses.empty()) return 0;
  SqlParams params;
  const std::string where = selection_where(s, params);
  params.emplace_back(std::string(to_string(trigger)));
  const std::string trig = "$" + std::to_string(params.size());
  params.emplace_back(stored_message(message));
  const std::string msg = "$" + std::to_string(params.size());
  params.emplace_back(std::string(host));
  const std::string who = "$" + std::to_string(params.size());
  params.emplace_back(force ? "true" : "false");
  const std::string forced = "$" + std::to_string(params.size());
  // The rows are locked and re-checked (FOR UPDATE re-reads them) so a record claimed or
  // finished meanwhile is judged as it is now; SKIP LOCKED would silently miss rows.
  const auto result = exec_with(
      tx,
      "WITH o AS (SELECT r.id, r.pipeline_status AS old_status, r.dag_run_id AS old_run "
      "             FROM pipeline_records r WHERE " +
          where +
          " FOR UPDATE), "
          "u AS (UPDATE pipeline_records r SET pipeline_status = 'PENDING', trigger = " +
          trig +
          ", "
          "  dag_run_id = NULL, locked_by = NULL, pipeline_locked_at = NULL, heartbeat_at = NULL, "
          "  next_attempt_at = now(), retry_attempt = 0, phase_completed = NULL, error_message = "
          "NULL, "
          "  source_to_stage_ingestion_start_time = NULL, source_to_stage_ingestion_end_time = "
          "NULL, "
          "  source_to_stage_ingestion_status = 'PENDING', stage_to_target_ingestion_start_time = "
          "NULL, "
          "  stage_to_target_ingestion_end_time = NULL, stage_to_target_ingestion_status = "
          "'PENDING', "
          "  audit_start_time = NULL, audit_end_time = NULL, audit_status = 'PENDING', "
          "audit_result = NULL, "
          "  source_count = NULL, target_count = NULL, count_difference = NULL, "
          "percentage_difference = NULL, "
          "  stage_count = NULL, stage_bytes = NULL, pipeline_start_time = NULL, pipeline_end_time "
          "= NULL, force_reload = " +
          forced +
          "::boolean "
          "  FROM o WHERE r.id = o.id RETURNING r.id, r.pipeline_id, o.old_status, o.old_run) "
          "INSERT INTO pipeline_events (record_id, pipeline_id, dag_run_id, task, from_status, "
          "to_status, outcome, "
          "                             started_at, ended_at, message, host) "
          "SELECT id, pipeline_id, old_run, 'operator', old_status, 'PENDING', 'RERUN', now(), "
          "now(), " +
          msg + ", " + who + " FROM u",
      params);
  return static_cast<std::int64_t>(result.affected_rows());
}

void audit_in(pqxx::transaction_base& tx, const AuditEntry& a, std::int64_t affected) {
  exec_with(tx,
            "INSERT INTO audit_log (actor, command, pipeline_id, arguments, affected, message, "
            "client) VALUES ($1, $2, $3, $4::jsonb, $5::bigint, $6, $7)",
            {a.actor, a.command, a.pipeline ? std::optional(a.pipeline->value) : std::nullopt,
             stored_json(a.arguments), std::to_string(affected),
             a.message.empty() ? std::nullopt : std::optional(stored_message(a.message)),
             a.client.empty() ? std::nullopt : std::optional(stored_message(a.client))});
}

Operator::Operator(pqxx::connection& connection, std::string host)
    : connection_(connection), host_(std::move(host)) {}

Result<std::int64_t> Operator::rerun(const RecordSelection& selection, Trigger trigger,
                                     const AuditEntry& audit, bool force) {
  return attempt("rerunning records", [&] {
    pqxx::work tx(connection_);
    const auto n = rerun_in(tx, selection, trigger,
                            (force ? "forced rerun by " : "rerun by ") + audit.actor, host_, force);
    audit_in(tx, audit, n);
    tx.commit();
    return n;
  });
}

Result<std::int64_t> Operator::clear(const RecordSelection& selection, const AuditEntry& audit) {
  return attempt("clearing records", [&] {
    RecordSelection s = selection;
    if (s.statuses.empty())
      s.statuses = {Status::pending, Status::success, Status::skipped, Status::failed};
    std::erase(s.statuses, Status::in_progress);
    pqxx::work tx(connection_);
    std::int64_t n = 0;
    if (!s.statuses.empty()) {
      SqlParams params;
      const std::string where = selection_where(s, params);
      // The status is re-checked on the locked row: a record claimed meanwhile stays.
      n = static_cast<std::int64_t>(
          exec_with(tx,
                    "DELETE FROM pipeline_records WHERE id IN (SELECT r.id FROM pipeline_records r "
                    "WHERE " +
                        where + " FOR UPDATE) AND pipeline_status <> 'IN_PROGRESS'",
                    params)
              .affected_rows());
    }
    audit_in(tx, audit, n);
    tx.commit();
    return n;
  });
}

Result<std::int64_t> Operator::release(const RecordSelection& selection, const AuditEntry& audit) {
  return attempt("releasing locks", [&] {
    RecordSelection s = narrowed(selection, Move::expire);
    pqxx::work tx(connection_);
    std::int64_t n = 0;
    if (!s.statuses.empty()) {
      SqlParams params;
      const std::string where = selection_where(s, params);
      params.emplace_back(host_);
      const std::string who = "$" + std::to_string(params.size());
      params.emplace_back(audit.actor);
      const std::string actor = "$" + std::to_string(params.size());
      n = static_cast<std::int64_t>(
          exec_with(tx,
                    "WITH o AS (SELECT r.id, r.dag_run_id AS old_run, r.locked_by AS old_holder "
                    "FROM pipeline_records r "
                    "            WHERE " +
                        where +
                        " FOR UPDATE), "
                        "u AS (UPDATE pipeline_records r SET pipeline_status = 'PENDING', "
                        "dag_run_id = NULL, "
                        "  retry_attempt = r.retry_attempt + 1, next_attempt_at = now(), locked_by "
                        "= NULL, "
                        "  error_message = 'lock of ' || coalesce(o.old_holder, '?') || ' released "
                        "by ' || " +
                        actor +
                        " FROM o WHERE r.id = o.id AND r.pipeline_status = 'IN_PROGRESS' "
                        "  RETURNING r.id, r.pipeline_id, o.old_run, r.error_message) "
                        "INSERT INTO pipeline_events (record_id, pipeline_id, dag_run_id, task, "
                        "from_status, "
                        "  to_status, outcome, started_at, ended_at, message, host) "
                        "SELECT id, pipeline_id, old_run, 'operator', 'IN_PROGRESS', 'PENDING', "
                        "'RELEASED', now(), "
                        "  now(), error_message, " +
                        who + " FROM u",
                    params)
              .affected_rows());
    }
    audit_in(tx, audit, n);
    tx.commit();
    return n;
  });
}

Result<bool> Operator::set_paused(const PipelineId& pipeline, bool paused,
                                  const AuditEntry& audit) {
  return attempt(paused ? "pausing a pipeline" : "unpausing a pipeline", [&] {
    pqxx::work tx(connection_);
    // A pipeline has a row only once something registered it; pausing creates it.
    const auto r = exec_with(
        tx,
        "INSERT INTO pipelines AS p (pipeline_id, paused, paused_by, paused_at) "
        "VALUES ($1, $2::boolean, CASE WHEN $2::boolean THEN $3 END, CASE WHEN $2::boolean THEN "
        "now() END) "
        "ON CONFLICT (pipeline_id) DO UPDATE SET paused = excluded.paused, paused_by = "
        "excluded.paused_by, "
        "  paused_at = excluded.paused_at WHERE p.paused IS DISTINCT FROM excluded.paused",
        {pipeline.value, paused ? "true" : "false", audit.actor});
    const bool changed = r.affected_rows() == 1;
    audit_in(tx, audit, changed ? 1 : 0);
    tx.commit();
    return changed;
  });
}

Result<std::vector<std::string>> Operator::paused_pipelines() {
  return attempt("reading paused pipelines", [&] {
    pqxx::nontransaction tx(connection_);
    std::vector<std::string> out;
    for (const auto& row : tx.exec("SELECT pipeline_id FROM pipelines WHERE paused ORDER BY 1"))
      out.push_back(row[0].as<std::string>());
    return out;
  });
}

Result<void> Operator::record_audit(const AuditEntry& audit, std::int64_t affected) {
  return attempt("writing the audit log", [&] {
    pqxx::work tx(connection_);
    audit_in(tx, audit, affected);
    tx.commit();
  });
}

}  // namespace sluice::store
