#include "framework/store/backfill.hpp"

#include <array>

#include <pqxx/pqxx>

#include "framework/store/errors.hpp"
#include "framework/store/operator.hpp"
#include "framework/store/params.hpp"

namespace sluice::store {
namespace {

constexpr std::array<std::string_view, 3> kReprocessNames{"missing", "failed", "all"};

// Instants are read clamped to the calendar sluice supports (years 1 to 9999): a request
// raised by SQL with 'infinity' or year 200000 is then refused by its window count rather
// than breaking every read of the table.
#define SLUICE_EPOCH(column)                       \
  "extract(epoch FROM least(greatest(" column      \
  ", '0001-01-01T00:00Z'), '10000-01-01T00:00Z'))" \
  "::bigint"

constexpr const char* kRequestColumns =
    "id, pipeline_id, " SLUICE_EPOCH("from_time") ", " SLUICE_EPOCH("to_time") ", reprocess, "
    "dry_run, status, requested_by, claimed_by, windows_total, windows_done, message, "
    "extract(epoch FROM planned_until)::bigint, windows_created, windows_reset, windows_running, "
    SLUICE_EPOCH("requested_at") ", extract(epoch FROM started_at)::bigint, "
    "extract(epoch FROM finished_at)::bigint, force";
#undef SLUICE_EPOCH

BackfillRequest to_request(const pqxx::row& row) {
  BackfillRequest r;
  r.id = row[0].as<std::int64_t>();
  r.pipeline = PipelineId{row[1].as<std::string>()};
  r.from = Instant{Seconds{row[2].as<std::int64_t>()}};
  r.to = Instant{Seconds{row[3].as<std::int64_t>()}};
  r.reprocess = parse_reprocess(row[4].as<std::string>()).value_or(Reprocess::missing);
  r.dry_run = row[5].as<bool>();
  r.status = row[6].as<std::string>();
  r.requested_by = row[7].as<std::string>();
  r.claimed_by = row[8].is_null() ? "" : row[8].as<std::string>();
  if (!row[9].is_null()) r.windows_total = row[9].as<std::int64_t>();
  r.windows_done = row[10].as<std::int64_t>();
  r.message = row[11].is_null() ? "" : row[11].as<std::string>();
  if (!row[12].is_null()) r.planned_until = Instant{Seconds{row[12].as<std::int64_t>()}};
  r.windows_created = row[13].as<std::int64_t>();
  r.windows_reset = row[14].as<std::int64_t>();
  r.windows_running = row[15].as<std::int64_t>();
  r.requested_at = Instant{Seconds{row[16].as<std::int64_t>()}};
  if (!row[17].is_null()) r.started_at = Instant{Seconds{row[17].as<std::int64_t>()}};
  if (!row[18].is_null()) r.finished_at = Instant{Seconds{row[18].as<std::int64_t>()}};
  r.force = row[19].as<bool>();
  return r;
}

// The records of each open request's range by status; one statement for every request.
constexpr const char* kProgressSql =
    "SELECT b.id, b.status, coalesce(b.windows_total, 0) AS total, coalesce(b.message, '') AS "
    "message, "
    "  count(r.id) FILTER (WHERE r.pipeline_status = 'SUCCESS') AS success, "
    "  count(r.id) FILTER (WHERE r.pipeline_status = 'SKIPPED') AS skipped, "
    "  count(r.id) FILTER (WHERE r.pipeline_status = 'FAILED') AS failed, "
    "  count(r.id) FILTER (WHERE r.pipeline_status = 'IN_PROGRESS') AS running, "
    "  count(r.id) FILTER (WHERE r.pipeline_status = 'PENDING') AS pending, "
    "  coalesce(sum(r.target_count) FILTER (WHERE r.pipeline_status = 'SUCCESS'), 0)::bigint AS "
    "rows "
    "FROM backfill_requests b "
    "LEFT JOIN pipeline_records r ON r.pipeline_id = b.pipeline_id "
    "  AND r.window_start_time >= b.from_time AND r.window_start_time < b.to_time "
    "  AND b.status <> 'PENDING' ";

BackfillProgress to_progress(const pqxx::row& row) {
  BackfillProgress p;
  p.status = row[1].as<std::string>();
  p.total = row[2].as<std::int64_t>();
  p.message = row[3].as<std::string>();
  p.success = row[4].as<std::int64_t>();
  p.skipped = row[5].as<std::int64_t>();
  p.failed = row[6].as<std::int64_t>();
  p.running = row[7].as<std::int64_t>();
  p.pending = row[8].as<std::int64_t>();
  p.rows = row[9].as<std::int64_t>();
  return p;
}

}  // namespace

std::string_view to_string(Reprocess r) {
  return kReprocessNames[static_cast<std::size_t>(r)];
}

std::optional<Reprocess> parse_reprocess(std::string_view text) {
  for (std::size_t i = 0; i < kReprocessNames.size(); ++i)
    if (kReprocessNames[i] == text) return static_cast<Reprocess>(i);
  return std::nullopt;
}

std::vector<Status> statuses_to_reset(Reprocess r) {
  switch (r) {
    case Reprocess::missing: return {};
    case Reprocess::failed: return {Status::failed};
    case Reprocess::all: return {Status::success, Status::skipped, Status::failed};
  }
  return {};
}

Backfills::Backfills(pqxx::connection& connection, std::string holder)
    : connection_(connection), holder_(std::move(holder)) {}

Result<std::int64_t> Backfills::insert(const NewBackfillRequest& r, const AuditEntry& audit) {
  return attempt("recording a backfill request", [&] {
    pqxx::work tx(connection_);
    const auto id =
        exec_with(
            tx,
            "INSERT INTO backfill_requests (pipeline_id, from_time, to_time, reprocess, "
            "requested_by, force) "
            "VALUES ($1, to_timestamp($2::bigint), to_timestamp($3::bigint), $4, $5, "
            "$6::boolean) RETURNING id",
            {r.pipeline.value, std::to_string(r.from.time_since_epoch().count()),
             std::to_string(r.to.time_since_epoch().count()), std::string(to_string(r.reprocess)),
             r.requested_by, r.force ? "true" : "false"})[0][0]
            .as<std::int64_t>();
    AuditEntry a = audit;
    a.arguments["request"] = id;
    audit_in(tx, a, 1);
    tx.commit();
    return id;
  });
}

Result<std::optional<BackfillRequest>> Backfills::find(std::int64_t id) {
  return attempt("reading a backfill request", [&]() -> std::optional<BackfillRequest> {
    pqxx::nontransaction tx(connection_);
    const auto r = tx.exec_params(
        std::string("SELECT ") + kRequestColumns + " FROM backfill_requests WHERE id = $1", id);
    if (r.empty()) return std::nullopt;
    return to_request(r[0]);
  });
}

Result<std::vector<BackfillRequest>> Backfills::list(std::optional<PipelineId> pipeline,
                                                     bool open_only, int limit) {
  return attempt("listing backfill requests", [&] {
    pqxx::nontransaction tx(connection_);
    const auto result =
        exec_with(tx,
                  std::string("SELECT ") + kRequestColumns +
                      " FROM backfill_requests WHERE ($1::text IS NULL OR pipeline_id = $1) "
                      "AND (NOT $2::boolean OR status IN ('PENDING', 'RUNNING')) "
                      "ORDER BY id DESC LIMIT $3::bigint",
                  {pipeline ? std::optional(pipeline->value) : std::nullopt,
                   open_only ? "true" : "false", std::to_string(limit)});
    std::vector<BackfillRequest> out;
    for (const auto& row : result) out.push_back(to_request(row));
    return out;
  });
}

namespace {

// The records of one batch's span: the missing ones created, the ones `reprocess` names reset,
// the running ones counted (they stay with their run).
void plan_span(pqxx::work& tx, const BackfillRequest& req, const BackfillBatch& batch, Instant from,
               const std::string& holder, BackfillTaken& taken) {
  RecordSelection span{.pipeline = req.pipeline, .from = from, .to = batch.until};
  span.statuses = {Status::in_progress};
  SqlParams params;
  const std::string where = selection_where(span, params);
  taken.running +=
      exec_with(tx, "SELECT count(*) FROM pipeline_records r WHERE " + where, params)[0][0]
          .as<std::int64_t>();
  taken.windows += static_cast<std::int64_t>(batch.records.size());
  if (req.dry_run) return;
  taken.created += insert_pending_in(tx, batch.records);
  span.statuses = statuses_to_reset(req.reprocess);
  if (!span.statuses.empty())
    taken.reset +=
        rerun_in(tx, span, Trigger::backfill,
                 "backfill request " + std::to_string(req.id) + " (reprocess " +
                     std::string(to_string(req.reprocess)) + (req.force ? ", forced)" : ")"),
                 holder, req.force);
  if (req.force) {
    // Every window of the span that will run is forced: those just made, and those already
    // waiting (the reset ones are forced by rerun_in). Not a status change.
    span.statuses = {Status::pending};
    SqlParams params;
    const std::string where = selection_where(span, params);
    exec_with(tx,
              "UPDATE pipeline_records r SET force_reload = true WHERE " + where +
                  " AND NOT r.force_reload",
              params);
  }
}

std::string counts_text(const BackfillTaken& t) {
  return std::to_string(t.windows) + " windows, " + std::to_string(t.created) + " created, " +
         std::to_string(t.reset) + " reset, " + std::to_string(t.running) +
         " running left to their run";
}

}  // namespace

Result<std::optional<BackfillTaken>> Backfills::take(std::span<const std::string> pipelines,
                                                     const BackfillPlanner& planner) {
  std::optional<BackfillRequest> seen;
  auto taken = take_one(pipelines, planner, seen);
  if (taken || taken.error().connection_lost || !seen) return taken;
  // The database refused the request's windows (rolled back whole): the request fails with
  // that refusal, in a statement of its own, rather than stay PENDING to be taken again at
  // every poll.
  BackfillTaken failed{.request = *seen};
  failed.request.status = "FAILED";
  failed.request.message = stored_message(taken.error().message);
  failed.planned = true;
  auto marked = attempt("failing a backfill request", [&] {
    pqxx::nontransaction tx(connection_);
    exec_with(tx,
              "UPDATE backfill_requests SET status = 'FAILED', claimed_by = $2, "
              "started_at = coalesce(started_at, now()), finished_at = now(), message = $3 "
              "WHERE id = $1 AND status = 'PENDING'",
              {std::to_string(seen->id), holder_, failed.request.message});
  });
  if (!marked) return fail(marked.error());
  return failed;
}

Result<std::optional<BackfillTaken>> Backfills::take_one(std::span<const std::string> pipelines,
                                                         const BackfillPlanner& planner,
                                                         std::optional<BackfillRequest>& seen) {
  return attempt("taking a backfill request", [&]() -> std::optional<BackfillTaken> {
    pqxx::work tx(connection_);
    // SKIP LOCKED: another processor holding a request makes us take the next one, never
    // wait for it nor take the same.
    const auto found = tx.exec_params(
        std::string("SELECT ") + kRequestColumns +
            " FROM backfill_requests WHERE status = 'PENDING' "
            "AND pipeline_id = ANY($1::text[]) ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED",
        array_literal(pipelines));
    if (found.empty()) return std::nullopt;
    BackfillTaken taken;
    taken.request = to_request(found[0]);
    seen = taken.request;
    const auto& req = taken.request;
    const auto refuse = [&](const std::string& message) {
      exec_with(tx,
                "UPDATE backfill_requests SET status = 'FAILED', claimed_by = $2, "
                "started_at = coalesce(started_at, now()), finished_at = now(), message = $3 "
                "WHERE id = $1",
                {std::to_string(req.id), holder_, stored_message(message)});
      tx.commit();
      taken.request.status = "FAILED";
      taken.request.message = message;
      taken.planned = true;
      return taken;
    };
    if (!req.planned_until) {
      if (auto checked = planner.check(req); !checked) return refuse(checked.error().message);
    }
    taken.windows = req.windows_total.value_or(0);
    taken.created = req.windows_created;
    taken.reset = req.windows_reset;
    taken.running = req.windows_running;
    // A dry run writes nothing, so it is counted whole here; a real one a batch at a time.
    Instant from = req.planned_until.value_or(req.from);
    do {
      auto batch = planner.batch(req, from);
      if (!batch) return refuse(batch.error().message);
      plan_span(tx, req, *batch, from, holder_, taken);
      from = std::max(batch->until, from);
    } while (req.dry_run && from < req.to);
    taken.planned = from >= req.to;
    const bool finished = taken.planned && (req.dry_run || taken.windows == 0);
    const std::string status = finished ? "DONE" : taken.planned ? "RUNNING" : "PENDING";
    const std::string message =
        taken.planned ? (req.dry_run ? "dry run: " : "") + counts_text(taken)
                      : "planning, up to " + format_utc(from) + " so far: " + counts_text(taken);
    exec_with(tx,
              "UPDATE backfill_requests SET status = $2, claimed_by = $3, "
              "started_at = coalesce(started_at, now()), windows_total = $4, "
              "finished_at = CASE WHEN $2 = 'DONE' THEN now() END, message = $5, "
              "planned_until = to_timestamp($6::bigint), windows_created = $7, "
              "windows_reset = $8, windows_running = $9 WHERE id = $1",
              {std::to_string(req.id), status, holder_, std::to_string(taken.windows),
               stored_message(message), std::to_string(from.time_since_epoch().count()),
               std::to_string(taken.created), std::to_string(taken.reset),
               std::to_string(taken.running)});
    tx.commit();
    taken.request.status = status;
    taken.request.windows_total = taken.windows;
    taken.request.message = message;
    taken.request.planned_until = from;
    return taken;
  });
}

Result<std::vector<Backfills::RecordStatus>> Backfills::statuses(const PipelineId& pipeline,
                                                                 Instant from, Instant to,
                                                                 int limit) {
  return attempt("reading the records of a backfill range", [&] {
    pqxx::nontransaction tx(connection_);
    const auto page = tx.exec_params(
        "SELECT extract(epoch FROM window_start_time)::bigint, pipeline_status "
        "FROM pipeline_records WHERE pipeline_id = $1 "
        "AND window_start_time >= to_timestamp($2::bigint) "
        "AND window_start_time < to_timestamp($3::bigint) "
        "ORDER BY window_start_time LIMIT $4",
        pipeline.value, from.time_since_epoch().count(), to.time_since_epoch().count(), limit);
    std::vector<RecordStatus> out;
    out.reserve(page.size());
    for (const auto& row : page)
      out.push_back({Instant{Seconds{row[0].as<std::int64_t>()}},
                     parse_status(row[1].as<std::string>()).value_or(Status::pending)});
    return out;
  });
}

Result<std::int64_t> Backfills::update_progress() {
  return update_progress_where("", {});
}

Result<std::int64_t> Backfills::settle_window(const PipelineId& pipeline, Instant window_start) {
  return update_progress_where(
      " AND b.pipeline_id = $1 AND b.from_time <= to_timestamp($2::bigint) "
      "AND to_timestamp($2::bigint) < b.to_time",
      {pipeline.value, std::to_string(window_start.time_since_epoch().count())});
}

Result<std::int64_t> Backfills::settle_windows(std::span<const Record> windows, bool progress) {
  std::vector<std::string> pipelines, starts;
  for (const auto& w : windows) {
    pipelines.push_back(w.pipeline.value);
    starts.push_back(std::to_string(w.window.start.time_since_epoch().count()));
  }
  // Each probe for a window left is one step down a partial index: the PENDING ones of each
  // kind on the claim index, the IN_PROGRESS ones on the (small) lease index.
  const std::string open_left =
      "EXISTS (SELECT 1 FROM pipeline_records o WHERE o.pipeline_id = b.pipeline_id "
      "AND o.pipeline_status = 'PENDING' AND (o.trigger = 'backfill') = k.kind "
      "AND o.window_start_time >= b.from_time AND o.window_start_time < b.to_time)";
  return update_progress_where(
      " AND EXISTS (SELECT 1 FROM unnest($1::text[], $2::bigint[]) AS w(p, s) "
      "WHERE w.p = b.pipeline_id AND b.from_time <= to_timestamp(w.s) "
      "AND to_timestamp(w.s) < b.to_time) "
      "AND ($3::boolean OR NOT (EXISTS (SELECT 1 FROM (VALUES (true), (false)) AS k(kind) "
      "WHERE " +
          open_left +
          ") OR EXISTS (SELECT 1 FROM pipeline_records o WHERE o.pipeline_status = 'IN_PROGRESS' "
          "AND o.pipeline_id = b.pipeline_id AND o.window_start_time >= b.from_time "
          "AND o.window_start_time < b.to_time)))",
      {array_literal(pipelines), array_literal(starts), progress ? "true" : "false"});
}

Result<std::int64_t> Backfills::update_progress_where(const std::string& only,
                                                      const SqlParams& params) {
  return attempt("updating backfill progress", [&] {
    pqxx::nontransaction tx(connection_);
    // Progress counts the range's finished windows; a request ends when they all are.
    const auto result = exec_with(
        tx,
        std::string("WITH p AS (") + kProgressSql + " WHERE b.status = 'RUNNING'" + only +
            " GROUP BY b.id), "
            "f AS (SELECT id, success + skipped + failed AS done, failed, total FROM p) "
            "UPDATE backfill_requests b SET windows_done = least(f.done, f.total), "
            "  status = CASE WHEN f.done >= f.total THEN CASE WHEN f.failed > 0 THEN 'FAILED' "
            "ELSE 'DONE' END "
            "                ELSE b.status END, "
            "  finished_at = CASE WHEN f.done >= f.total THEN now() END, "
            "  message = CASE WHEN f.done >= f.total AND f.failed > 0 "
            "                 THEN f.failed || ' of ' || f.total || ' windows FAILED' ELSE "
            "b.message END "
            "FROM f WHERE b.id = f.id AND b.status = 'RUNNING' "
            "RETURNING b.status",
        params);
    std::int64_t finished = 0;
    for (const auto& row : result)
      if (row[0].as<std::string>() != "RUNNING") ++finished;
    return finished;
  });
}

Result<BackfillProgress> Backfills::progress(std::int64_t id) {
  return attempt("reading backfill progress", [&]() -> BackfillProgress {
    pqxx::nontransaction tx(connection_);
    const auto r = tx.exec_params(std::string(kProgressSql) + " WHERE b.id = $1 GROUP BY b.id", id);
    if (r.empty()) throw std::runtime_error("no backfill request " + std::to_string(id));
    return to_progress(r[0]);
  });
}

}  // namespace sluice::store
