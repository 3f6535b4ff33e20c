#include "framework/store/backfill.hpp"

#include <array>

#include <pqxx/pqxx>

#include "framework/store/errors.hpp"
#include "framework/store/operator.hpp"
#include "framework/store/params.hpp"

namespace sluice::store {
namespace {

constexpr std::array<std::string_view, 3> kReprocessNames{"missing", "failed", "all"};

constexpr const char* kRequestColumns =
    "id, pipeline_id, extract(epoch FROM from_time)::bigint, extract(epoch FROM to_time)::bigint, "
    "reprocess, "
    "dry_run, status, requested_by, claimed_by, windows_total, windows_done, message";

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

Result<std::int64_t> Backfills::insert(const NewBackfillRequest& r) {
  return attempt("recording a backfill request", [&] {
    pqxx::nontransaction tx(connection_);
    return exec_with(tx,
                     "INSERT INTO backfill_requests (pipeline_id, from_time, to_time, reprocess, "
                     "requested_by) "
                     "VALUES ($1, to_timestamp($2::bigint), to_timestamp($3::bigint), $4, $5) "
                     "RETURNING id",
                     {r.pipeline.value, std::to_string(r.from.time_since_epoch().count()),
                      std::to_string(r.to.time_since_epoch().count()),
                      std::string(to_string(r.reprocess)), r.requested_by})[0][0]
        .as<std::int64_t>();
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

Result<std::optional<BackfillTaken>> Backfills::take(std::span<const std::string> pipelines,
                                                     const PlanRecords& plan) {
  std::optional<BackfillRequest> seen;
  auto taken = take_one(pipelines, plan, seen);
  if (taken || taken.error().connection_lost || !seen) return taken;
  // The database refused the request's windows (rolled back whole): the request fails with
  // that refusal, in a statement of its own, rather than stay PENDING to be taken again at
  // every poll.
  BackfillTaken failed{.request = *seen};
  failed.request.status = "FAILED";
  failed.request.message = stored_message(taken.error().message);
  auto marked = attempt("failing a backfill request", [&] {
    pqxx::nontransaction tx(connection_);
    exec_with(tx,
              "UPDATE backfill_requests SET status = 'FAILED', claimed_by = $2, started_at = "
              "now(), finished_at = now(), message = $3 WHERE id = $1 AND status = 'PENDING'",
              {std::to_string(seen->id), holder_, failed.request.message});
  });
  if (!marked) return fail(marked.error());
  return failed;
}

Result<std::optional<BackfillTaken>> Backfills::take_one(std::span<const std::string> pipelines,
                                                         const PlanRecords& plan,
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
    auto records = plan(req);
    if (!records) {
      exec_with(tx,
                "UPDATE backfill_requests SET status = 'FAILED', claimed_by = $2, started_at = "
                "now(), finished_at = now(), message = $3 WHERE id = $1",
                {std::to_string(req.id), holder_, stored_message(records.error().message)});
      tx.commit();
      taken.request.status = "FAILED";
      taken.request.message = records.error().message;
      return taken;
    }
    taken.windows = static_cast<std::int64_t>(records->size());
    RecordSelection range{.pipeline = req.pipeline, .from = req.from, .to = req.to};
    range.statuses = {Status::in_progress};
    SqlParams params;
    const std::string where = selection_where(range, params);
    taken.running =
        exec_with(tx, "SELECT count(*) FROM pipeline_records r WHERE " + where, params)[0][0]
            .as<std::int64_t>();
    if (!req.dry_run) {
      taken.created = insert_pending_in(tx, *records);
      range.statuses = statuses_to_reset(req.reprocess);
      if (!range.statuses.empty())
        taken.reset = rerun_in(tx, range, Trigger::backfill,
                               "backfill request " + std::to_string(req.id) + " (reprocess " +
                                   std::string(to_string(req.reprocess)) + ")",
                               holder_);
    }
    const bool finished = req.dry_run || taken.windows == 0;
    const std::string message = (req.dry_run ? "dry run: " : "") + std::to_string(taken.windows) +
                                " windows, " + std::to_string(taken.created) + " created, " +
                                std::to_string(taken.reset) + " reset, " +
                                std::to_string(taken.running) + " running left to their run";
    exec_with(tx,
              "UPDATE backfill_requests SET status = $2, claimed_by = $3, started_at = now(), "
              "windows_total = $4, "
              "finished_at = CASE WHEN $2 = 'DONE' THEN now() END, message = $5 WHERE id = $1",
              {std::to_string(req.id), finished ? "DONE" : "RUNNING", holder_,
               std::to_string(taken.windows), stored_message(message)});
    tx.commit();
    taken.request.status = finished ? "DONE" : "RUNNING";
    taken.request.windows_total = taken.windows;
    taken.request.message = message;
    return taken;
  });
}

Result<std::int64_t> Backfills::update_progress() {
  return attempt("updating backfill progress", [&] {
    pqxx::nontransaction tx(connection_);
    // Progress counts the range's finished windows; a request ends when they all are.
    const auto result =
        tx.exec(std::string("WITH p AS (") + kProgressSql +
                " WHERE b.status = 'RUNNING' GROUP BY b.id), "
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
                "RETURNING b.status");
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
