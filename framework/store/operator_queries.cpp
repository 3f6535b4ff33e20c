// The read side of framework/store/operator.hpp: records list, show, counts, audit log.
#include <pqxx/pqxx>

#include "framework/store/errors.hpp"
#include "framework/store/operator.hpp"
#include "framework/store/params.hpp"

namespace sluice::store {
namespace {

std::optional<std::int64_t> optional_int(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<std::int64_t>();
}

std::string text_or_empty(const pqxx::field& f) {
  return f.is_null() ? std::string() : f.as<std::string>();
}

Instant instant_of(const pqxx::field& f) {
  return Instant{Seconds{f.as<std::int64_t>()}};
}

// Operator::counts filters each part by the ids up to this many.
constexpr std::size_t kFilteredCounts = 64;

}  // namespace

Result<std::vector<RecordRow>> Operator::list(const RecordSelection& selection, int limit) {
  return attempt("listing records", [&] {
    SqlParams params;
    const std::string where = selection_where(selection, params);
    params.emplace_back(std::to_string(limit));
    pqxx::nontransaction tx(connection_);
    const auto result =
        exec_with(tx,
                  "SELECT r.id, r.pipeline_id, extract(epoch FROM r.window_start_time)::bigint, "
                  "       extract(epoch FROM r.window_end_time)::bigint, r.pipeline_status, "
                  "r.trigger, r.dag_run_id, "
                  "       r.phase_completed, r.locked_by, r.error_message, r.retry_attempt, "
                  "r.source_count, r.target_count, "
                  "       CASE WHEN r.pipeline_status = 'IN_PROGRESS' "
                  "            THEN extract(epoch FROM now() - coalesce(r.heartbeat_at, "
                  "r.pipeline_locked_at))::bigint END, "
                  "       extract(epoch FROM r.pipeline_end_time - r.pipeline_start_time)::float8, "
                  "       r.audit_result, "
                  "       CASE WHEN r.pipeline_status = 'PENDING' THEN sluice_waiting_on("
                  "           r.pipeline_id, r.window_start_time, r.window_end_time) END "
                  "  FROM pipeline_records r WHERE " +
                      where +
                      (selection.newest_first
                           ? " ORDER BY r.pipeline_id DESC, r.window_start_time DESC LIMIT $"
                           : " ORDER BY r.pipeline_id, r.window_start_time LIMIT $") +
                      std::to_string(params.size()) + "::bigint",
                  params);
    std::vector<RecordRow> rows;
    for (const auto& row : result) {
      RecordRow r;
      r.id = row[0].as<std::int64_t>();
      r.pipeline = row[1].as<std::string>();
      r.window_start = instant_of(row[2]);
      r.window_end = instant_of(row[3]);
      r.status = row[4].as<std::string>();
      r.trigger = row[5].as<std::string>();
      r.run = text_or_empty(row[6]);
      r.phase = text_or_empty(row[7]);
      r.locked_by = text_or_empty(row[8]);
      r.error = text_or_empty(row[9]);
      r.retry_attempt = row[10].as<int>();
      r.source_count = optional_int(row[11]);
      r.target_count = optional_int(row[12]);
      r.lease_age_seconds = optional_int(row[13]);
      if (!row[14].is_null()) r.duration_seconds = row[14].as<double>();
      r.audit_result = text_or_empty(row[15]);
      r.waiting_on = text_or_empty(row[16]);
      rows.push_back(std::move(r));
    }
    return rows;
  });
}

Result<std::int64_t> Operator::count(const RecordSelection& selection) {
  return attempt("counting records", [&] {
    SqlParams params;
    const std::string where = selection_where(selection, params);
    pqxx::nontransaction tx(connection_);
    return exec_with(tx, "SELECT count(*) FROM pipeline_records r WHERE " + where, params)[0][0]
        .as<std::int64_t>();
  });
}

Result<std::optional<Window>> Operator::span(const RecordSelection& selection) {
  return attempt("reading the span of records", [&]() -> std::optional<Window> {
    SqlParams params;
    const std::string where = selection_where(selection, params);
    pqxx::nontransaction tx(connection_);
    const auto row = exec_with(tx,
                               "SELECT extract(epoch FROM min(r.window_start_time))::bigint, "
                               "       extract(epoch FROM max(r.window_end_time))::bigint "
                               "  FROM pipeline_records r WHERE " +
                                   where,
                               params)[0];
    if (row[0].is_null()) return std::nullopt;
    return Window{instant_of(row[0]), instant_of(row[1])};
  });
}

Result<std::optional<RecordDetail>> Operator::show(std::int64_t id) {
  return attempt("reading a record", [&]() -> std::optional<RecordDetail> {
    pqxx::nontransaction tx(connection_);
    // row_to_json keeps the table's column order, which is the order operators know.
    const auto record =
        tx.exec_params("SELECT row_to_json(r)::text FROM pipeline_records r WHERE r.id = $1", id);
    if (record.empty()) return std::nullopt;
    RecordDetail detail;
    detail.record = nlohmann::ordered_json::parse(record[0][0].as<std::string>());
    const auto waiting = tx.exec_params(
        "SELECT sluice_waiting_on(r.pipeline_id, r.window_start_time, r.window_end_time) "
        "FROM pipeline_records r WHERE r.id = $1 AND r.pipeline_status = 'PENDING'",
        id);
    if (!waiting.empty() && !waiting[0][0].is_null())
      detail.waiting_on = waiting[0][0].as<std::string>();
    const auto definition = tx.exec_params(
        "SELECT json_build_object('version', d.version, 'origin', d.origin, 'file', d.file, "
        "'checksum', d.checksum, 'created_by', d.created_by, 'created_at', "
        "sluice_utc_text(d.created_at), 'comment', d.comment)::text "
        "FROM pipeline_records r JOIN pipeline_definitions d ON d.pipeline_id = r.pipeline_id "
        "AND d.version = r.config_version WHERE r.id = $1",
        id);
    if (!definition.empty())
      detail.definition = nlohmann::ordered_json::parse(definition[0][0].as<std::string>());
    const auto events = tx.exec_params(
        "SELECT coalesce(json_agg(row_to_json(e) ORDER BY e.id), '[]')::text FROM pipeline_events "
        "e "
        "WHERE e.record_id = $1",
        id);
    detail.events = nlohmann::ordered_json::parse(events[0][0].as<std::string>());
    const auto checks = tx.exec_params(
        "SELECT coalesce(json_agg(json_build_object('run_id', c.run_id, 'check_name', "
        "c.check_name, 'kind', c.kind, 'severity', c.severity, 'passed', c.passed, 'observed', "
        "c.observed::text, 'message', c.message, 'checked_at', sluice_utc_text(c.checked_at)) "
        "ORDER BY c.id), '[]')::text FROM window_checks c WHERE c.record_id = $1",
        id);
    detail.checks = nlohmann::ordered_json::parse(checks[0][0].as<std::string>());
    return detail;
  });
}

Result<std::vector<PipelineCounts>> Operator::counts(std::span<const std::string> pipelines,
                                                     std::span<const std::string> may_wait) {
  return attempt("counting records per pipeline", [&] {
    pqxx::work tx(connection_);
    // Its estimated cost (a probe per pipeline) passes jit_above_cost at a few thousand
    // pipelines: compiling it to machine code took longer than running it, at every refresh.
    tx.exec("SET LOCAL jit = off");
    // Each pipeline's registration, its kept counts and newest scheduled window (0016, 0019),
    // the deltas not folded yet and its live windows (the partial indexes of PENDING and
    // IN_PROGRESS), each joined by pipeline id: the cost follows the number of pipelines and
    // live windows, not the length of the history. (One aggregate over the union of the
    // five took twice as long at 10,000 pipelines.) The windows are probed only for a
    // pipeline whose newest scheduled window was deleted or changed since the last fold, and,
    // for the pipelines in `may_wait` with a backlog, for what holds the oldest PENDING
    // window (sluice_waiting_on only for a pipeline with upstreams): at 10,000 pipelines
    // that probe for every backlog was a third of the statement. A few ids filter the live
    // windows and the deltas; many read them all and keep theirs at the join, since the
    // planner estimates `= ANY` of a constant array element by element (40 ms of planning at
    // 10,000 pipelines).
    const std::string only =
        pipelines.size() <= kFilteredCounts ? " AND pipeline_id = ANY($1::text[])" : "";
    const auto result = tx.exec_params(
        "WITH ids AS MATERIALIZED (SELECT unnest($1::text[]) AS id), "
        "  waits AS MATERIALIZED (SELECT DISTINCT unnest($2::text[]) AS id) "
        "SELECT p.id, coalesce(l.pending, 0), coalesce(l.running, 0), "
        "  coalesce(k.failed, 0) + coalesce(d.failed, 0), "
        "  coalesce(k.succeeded, 0) + coalesce(d.succeeded, 0), "
        "  coalesce(k.skipped, 0) + coalesce(d.skipped, 0), "
        "  extract(epoch FROM CASE WHEN r.pipeline_id IS NOT NULL THEN r.newest_done_end "
        "    ELSE (SELECT x.window_end_time FROM pipeline_records x WHERE x.pipeline_id = p.id "
        "           AND x.pipeline_status IN ('SUCCESS', 'SKIPPED') "
        "         ORDER BY x.window_start_time DESC LIMIT 1) END)::bigint, "
        "  extract(epoch FROM CASE WHEN d.rescan THEN (SELECT g.window_end_time "
        "    FROM pipeline_records g WHERE g.pipeline_id = p.id AND g.trigger <> 'backfill' "
        "    ORDER BY g.window_start_time DESC LIMIT 1) "
        "    ELSE (greatest(k.newest_scheduled, d.newest_scheduled))[2] END)::bigint, "
        "  coalesce(r.paused, false), "
        // What holds the oldest PENDING window, on the claim index: its dependencies, or the
        // run_if its last run waits for (that run's message).
        "  CASE WHEN l.pending > 0 AND w.id IS NOT NULL THEN (SELECT coalesce(CASE WHEN EXISTS "
        "(SELECT 1 FROM pipeline_dependencies dep WHERE dep.pipeline_id = q.pipeline_id) THEN "
        "sluice_waiting_on(q.pipeline_id, q.window_start_time, q.window_end_time) END, "
        "CASE WHEN (SELECT e.outcome FROM pipeline_events e WHERE e.record_id = q.id ORDER BY "
        "e.id DESC LIMIT 1) = 'WAITING' THEN q.error_message END) "
        "     FROM pipeline_records q WHERE q.pipeline_id = p.id "
        "      AND q.pipeline_status = 'PENDING' ORDER BY q.window_start_time LIMIT 1) END "
        "FROM ids p "
        "LEFT JOIN waits w ON w.id = p.id "
        "LEFT JOIN pipelines r ON r.pipeline_id = p.id "
        "LEFT JOIN pipeline_counts k ON k.pipeline_id = p.id "
        "LEFT JOIN (SELECT pipeline_id, sum(succeeded) AS succeeded, sum(skipped) AS skipped, "
        "                  sum(failed) AS failed, max(newest_scheduled) AS newest_scheduled, "
        "                  bool_or(rescan) AS rescan "
        "             FROM pipeline_count_deltas WHERE TRUE" +
            only +
            "            GROUP BY pipeline_id) d ON d.pipeline_id = p.id "
            "LEFT JOIN (SELECT pipeline_id, sum(pending) AS pending, sum(running) AS running "
            "             FROM (SELECT pipeline_id, 1 AS pending, 0 AS running "
            "                     FROM pipeline_records WHERE pipeline_status = 'PENDING'" +
            only +
            "                   UNION ALL "
            "                   SELECT pipeline_id, 0, 1 "
            "                     FROM pipeline_records WHERE pipeline_status = 'IN_PROGRESS'" +
            only +
            ") u "
            "            GROUP BY pipeline_id) l ON l.pipeline_id = p.id "
            "ORDER BY p.id",
        array_literal(pipelines), array_literal(may_wait));
    std::vector<PipelineCounts> out;
    for (const auto& row : result) {
      PipelineCounts c;
      c.pipeline = row[0].as<std::string>();
      c.pending = row[1].as<std::int64_t>();
      c.running = row[2].as<std::int64_t>();
      c.failed = row[3].as<std::int64_t>();
      c.success = row[4].as<std::int64_t>();
      c.skipped = row[5].as<std::int64_t>();
      if (!row[6].is_null()) c.last_success_end = instant_of(row[6]);
      if (!row[7].is_null()) c.last_generated_end = instant_of(row[7]);
      c.paused = row[8].as<bool>();
      c.waiting_on = text_or_empty(row[9]);
      out.push_back(std::move(c));
    }
    tx.commit();
    return out;
  });
}

Result<std::vector<RecentWindow>> Operator::recent(std::span<const std::string> pipelines,
                                                   int per_pipeline) {
  return attempt("reading the newest windows", [&] {
    pqxx::nontransaction tx(connection_);
    // One index range scan per pipeline (pipeline_id, window_start_time), however long its
    // history.
    const auto result = tx.exec_params(
        "SELECT p.id, r.id, extract(epoch FROM r.window_start_time)::bigint, r.pipeline_status "
        "FROM unnest($1::text[]) AS p(id) CROSS JOIN LATERAL ("
        "  SELECT id, window_start_time, pipeline_status FROM pipeline_records "
        "   WHERE pipeline_id = p.id ORDER BY window_start_time DESC LIMIT $2) r "
        "ORDER BY p.id, r.window_start_time DESC",
        array_literal(pipelines), per_pipeline);
    std::vector<RecentWindow> out;
    out.reserve(result.size());
    for (const auto& row : result)
      out.push_back({row[0].as<std::string>(), row[1].as<std::int64_t>(), instant_of(row[2]),
                     row[3].as<std::string>()});
    return out;
  });
}

Result<nlohmann::ordered_json> Operator::audit_log(const AuditFilter& f, int limit) {
  return attempt("reading the audit log", [&] {
    pqxx::nontransaction tx(connection_);
    const auto r =
        exec_with(tx,
                  "SELECT coalesce(json_agg(row_to_json(a) ORDER BY a.id DESC), '[]')::text FROM ("
                  "SELECT * FROM audit_log WHERE ($1::text IS NULL OR pipeline_id = $1) "
                  "AND ($2 = '' OR actor = $2) AND ($3::bigint IS NULL OR id < $3) "
                  "ORDER BY id DESC LIMIT $4::bigint) a",
                  {f.pipeline ? std::optional(f.pipeline->value) : std::nullopt, f.actor,
                   f.before ? std::optional(std::to_string(*f.before)) : std::nullopt,
                   std::to_string(limit)});
    return nlohmann::ordered_json::parse(r[0][0].as<std::string>());
  });
}

}  // namespace sluice::store
