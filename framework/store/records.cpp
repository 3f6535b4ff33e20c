#include "framework/store/records.hpp"

#include <algorithm>

#include <pqxx/nontransaction>
#include <pqxx/pqxx>

#include "framework/core/utf8.hpp"
#include "framework/store/backfill.hpp"
#include "framework/store/errors.hpp"
#include "framework/store/params.hpp"
#include "framework/store/records_detail.hpp"

namespace sluice::store {
namespace {

// Parameters as text or NULL: the statements cast them, so one code path serves all types.
class Params {
 public:
  Params& add(std::string v) {
    values_.emplace_back(std::move(v));
    return *this;
  }
  template <class T>
  Params& add(const std::optional<T>& v) {
    if (!v) {
      values_.emplace_back(std::nullopt);
    } else if constexpr (std::is_same_v<T, std::string>) {
      values_.emplace_back(*v);
    } else {
      values_.emplace_back(pqxx::to_string(*v));
    }
    return *this;
  }
  std::vector<std::optional<std::string>> take() { return std::move(values_); }

 private:
  std::vector<std::optional<std::string>> values_;
};

std::string task_columns(Task task) {
  switch (task) {
    case Task::source_to_stage: return "source_to_stage_ingestion";
    case Task::stage_to_target: return "stage_to_target_ingestion";
    case Task::audit: return "audit";
    case Task::store_and_validate:
    case Task::pre_validation: return "";
  }
  return "";
}

std::string write_statement_name(Task task) {
  return "sluice_write_" + std::string(to_string(task));
}

// The audit's data checks (window_checks), one row per element of the arrays $21..$26, in
// the audit's statement: written only when its fenced UPDATE matched (`FROM u`).
const std::string kCheckRows =
    ", c AS (INSERT INTO window_checks (record_id, pipeline_id, run_id, check_name, kind, "
    "severity, passed, observed, message) "
    "SELECT u.id, u.pipeline_id, $2, x.name, x.kind, x.severity, x.passed, "
    "nullif(x.observed, '')::numeric, nullif(x.message, '') "
    "FROM u, unnest($21::text[], $22::text[], $23::text[], $24::boolean[], $25::text[], "
    "$26::text[]) WITH ORDINALITY AS x(name, kind, severity, passed, observed, message, n) "
    "ORDER BY x.n) ";

}  // namespace

namespace detail {

pqxx::result execute(pqxx::connection& connection, const Statement& s) {
  connection.prepare(s.name, s.sql);
  pqxx::nontransaction tx(connection);
  return exec_prepared_with(tx, s.name, s.params);
}

// One statement per task: the fenced UPDATE and the event row, one round trip.
std::string write_statement(Task task) {
  const std::string prefix = task_columns(task);
  std::string own;
  if (!prefix.empty()) {
    own = prefix + "_start_time = clock_timestamp() - $3::bigint * interval '1 microsecond', " +
          prefix + "_end_time = clock_timestamp(), " + prefix + "_status = $4, ";
  }
  return "WITH u AS (UPDATE pipeline_records SET " + own +
         "phase_completed = coalesce($5, phase_completed), "
         "source_count = coalesce($6::bigint, source_count), "
         "target_count = coalesce($7::bigint, target_count), "
         "stage_count = coalesce($8::bigint, stage_count), "
         "stage_bytes = coalesce($9::bigint, stage_bytes), "
         "count_difference = coalesce($10::bigint, count_difference), "
         "percentage_difference = coalesce($11::numeric, percentage_difference), "
         "audit_result = coalesce($12, audit_result), "
         "heartbeat_at = now(), "
         "pipeline_status = coalesce($13, pipeline_status), "
         "retry_attempt = retry_attempt + CASE WHEN $14::boolean THEN 1 ELSE 0 END, "
         "next_attempt_at = CASE WHEN $15::bigint IS NOT NULL "
         "                       THEN now() + $15::bigint * interval '1 second' "
         "                       WHEN $13 = 'PENDING' THEN now() END, "
         "error_message = CASE WHEN $13 = 'SUCCESS' THEN NULL ELSE coalesce($16, error_message) "
         "END, "
         "pipeline_end_time = CASE WHEN $13 IN ('SUCCESS', 'SKIPPED', 'FAILED') THEN "
         "clock_timestamp() "
         "                         ELSE pipeline_end_time END, "
         // A forced reload is one run's: a retry keeps it, the window's end clears it.
         "force_reload = force_reload AND coalesce($13, '') NOT IN ('SUCCESS', 'SKIPPED', "
         "'FAILED'), "
         "config_version = coalesce($20::int, config_version) "
         "WHERE id = $1 AND dag_run_id = $2 AND pipeline_status = 'IN_PROGRESS' "
         // Always true; it gives $4 a type in the statements of tasks without own columns.
         "AND $4::text IS NOT NULL "
         "RETURNING id, pipeline_id) " +
         (task == Task::audit ? kCheckRows : std::string()) +
         "INSERT INTO pipeline_events (record_id, pipeline_id, dag_run_id, task, from_status, "
         "to_status, "
         "outcome, started_at, ended_at, rows, message, host) "
         "SELECT id, pipeline_id, $2, '" +
         std::string(to_string(task)) +
         "', 'IN_PROGRESS', coalesce($13, 'IN_PROGRESS'), $17, "
         "clock_timestamp() - $3::bigint * interval '1 microsecond', clock_timestamp(), "
         "$18::bigint, $16, $19 "
         "FROM u RETURNING record_id";
}

}  // namespace detail

namespace {

constexpr const char* kRecordColumns =
    "id, pipeline_id, extract(epoch FROM window_start_time)::bigint AS start_s, "
    "extract(epoch FROM window_end_time)::bigint AS end_s, target_day::text AS target_day, "
    "time_interval, "
    "trigger, dag_run_id, pipeline_status, phase_completed, retry_attempt, locked_by, "
    "source_count, "
    "target_count, business_fields::text AS business_fields, force_reload";

// $21..$26 of the audit's statement: the checks column by column, as arrays (an empty text
// stands for NULL: observed and message are never empty otherwise).
void add_checks(Params& p, const std::vector<CheckResult>& checks) {
  std::vector<std::string> name, kind, severity, passed, observed, message;
  for (const auto& c : checks) {
    name.push_back(c.name);
    kind.push_back(c.kind);
    severity.push_back(c.severity);
    passed.emplace_back(c.passed ? "true" : "false");
    observed.push_back(c.observed.value_or(""));
    message.push_back(stored_message(c.message));
  }
  for (const auto* column : {&name, &kind, &severity, &passed, &observed, &message})
    p.add(array_literal(*column));
}

Record to_record(const pqxx::row& row) {
  Record r;
  r.id = RecordId{row["id"].as<std::int64_t>()};
  r.pipeline = PipelineId{row["pipeline_id"].as<std::string>()};
  r.window = Window{Instant{Seconds{row["start_s"].as<std::int64_t>()}},
                    Instant{Seconds{row["end_s"].as<std::int64_t>()}}};
  r.target_day = row["target_day"].as<std::string>();
  r.time_interval = row["time_interval"].as<std::string>();
  r.trigger = parse_trigger(row["trigger"].as<std::string>()).value_or(Trigger::scheduled);
  r.run = RunId{row["dag_run_id"].is_null() ? "" : row["dag_run_id"].as<std::string>()};
  r.status = parse_status(row["pipeline_status"].as<std::string>()).value_or(Status::pending);
  r.phase = row["phase_completed"].is_null()
                ? Phase::none
                : parse_phase(row["phase_completed"].as<std::string>()).value_or(Phase::none);
  r.retry_attempt = row["retry_attempt"].as<int>();
  r.locked_by = row["locked_by"].is_null() ? "" : row["locked_by"].as<std::string>();
  if (!row["source_count"].is_null()) r.source_count = row["source_count"].as<std::int64_t>();
  if (!row["target_count"].is_null()) r.target_count = row["target_count"].as<std::int64_t>();
  r.business_fields = nlohmann::json::parse(row["business_fields"].as<std::string>());
  r.force_reload = row["force_reload"].as<bool>();
  return r;
}

}  // namespace

std::string_view to_string(Task t) {
  switch (t) {
    case Task::store_and_validate: return "store_validate";
    case Task::pre_validation: return "pre_validation";
    case Task::source_to_stage: return "source_to_stage";
    case Task::stage_to_target: return "stage_to_target";
    case Task::audit: return "audit";
  }
  return "unknown";
}

std::string_view to_string(TaskStatus s) {
  switch (s) {
    case TaskStatus::success: return "SUCCESS";
    case TaskStatus::skipped: return "SKIPPED";
    case TaskStatus::failed: return "FAILED";
    case TaskStatus::released: return "RELEASED";
  }
  return "UNKNOWN";
}

std::string_view to_string(Outcome o) {
  switch (o) {
    case Outcome::success: return "SUCCESS";
    case Outcome::skipped: return "SKIPPED";
    case Outcome::not_stable: return "NOT_STABLE";
    case Outcome::retry: return "RETRY";
    case Outcome::failed: return "FAILED";
    case Outcome::released: return "RELEASED";
    case Outcome::waiting: return "WAITING";
  }
  return "UNKNOWN";
}

std::string array_literal(std::span<const std::string> values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    out += '"';
    // Made storable before quoting: the escapes it writes hold backslashes, which the
    // array syntax would otherwise take as its own.
    for (char c : storable_text(values[i])) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

Records::Records(pqxx::connection& connection, std::string holder)
    : connection_(connection), holder_(std::move(holder)) {}

namespace {

// Arrays of columns, unnested server-side: one statement whatever the batch size. Ordered by
// the unique key, so two daemons inserting the same windows of several pipelines take their
// locks in one order and never deadlock.
const std::string kInsertPending =
    "INSERT INTO pipeline_records (pipeline_id, window_start_time, window_end_time, target_day, "
    "time_interval, trigger, source_name, target_name, business_fields) "
    "SELECT p, to_timestamp(s::bigint), to_timestamp(e::bigint), d::date, i, t, nullif(src, ''), "
    "nullif(tgt, ''), f::jsonb "
    "FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], "
    "$7::text[], $8::text[], $9::text[]) AS x(p, s, e, d, i, t, src, tgt, f) "
    "ORDER BY s::bigint, p "
    "ON CONFLICT (pipeline_id, window_start_time) DO NOTHING";

SqlParams insert_params(std::span<const NewRecord> records) {
  std::vector<std::string> pipeline, start, end, day, interval, trigger, source, target, fields;
  for (const auto& r : records) {
    pipeline.push_back(r.pipeline.value);
    start.push_back(std::to_string(r.window.start.time_since_epoch().count()));
    end.push_back(std::to_string(r.window.end.time_since_epoch().count()));
    day.push_back(date::format("%F", date::sys_days(r.target_day)));
    interval.push_back(r.time_interval);
    trigger.emplace_back(to_string(r.trigger));
    source.push_back(r.source_name);
    target.push_back(r.target_name);
    fields.push_back(stored_json(r.business_fields));
  }
  return {array_literal(pipeline), array_literal(start),    array_literal(end),
          array_literal(day),      array_literal(interval), array_literal(trigger),
          array_literal(source),   array_literal(target),   array_literal(fields)};
}

}  // namespace

std::int64_t insert_pending_in(pqxx::transaction_base& tx, std::span<const NewRecord> records) {
  if (records.empty()) return 0;
  return static_cast<std::int64_t>(
      exec_with(tx, kInsertPending, insert_params(records)).affected_rows());
}

Result<std::int64_t> Records::insert_pending(std::span<const NewRecord> records) {
  if (records.empty()) return 0;
  return attempt("inserting pending records", [&] {
    pqxx::nontransaction tx(connection_);
    return insert_pending_in(tx, records);
  });
}

Result<std::vector<std::pair<PipelineId, std::int64_t>>> Records::insert_pending_each(
    std::span<const NewRecord> records) {
  using Counts = std::vector<std::pair<PipelineId, std::int64_t>>;
  if (records.empty()) return Counts{};
  return attempt("inserting pending records", [&] {
    pqxx::nontransaction tx(connection_);
    const auto rows = exec_with(tx,
                                "WITH made AS (" + kInsertPending +
                                    " RETURNING pipeline_id) "
                                    "SELECT pipeline_id, count(*) FROM made GROUP BY pipeline_id",
                                insert_params(records));
    Counts counts;
    counts.reserve(rows.size());
    for (const auto& row : rows)
      counts.emplace_back(PipelineId{row[0].as<std::string>()}, row[1].as<std::int64_t>());
    return counts;
  });
}

// The newest scheduled window by start, found by walking the unique index on (pipeline_id,
// window_start_time) backwards: one probe, however long the history. The windows of the
// schedule never overlap (each starts at or after the end of the one before), so it is also
// the one that ends last.
Result<std::optional<Instant>> Records::last_window_end(const PipelineId& pipeline) {
  return attempt("reading the last window", [&]() -> std::optional<Instant> {
    pqxx::nontransaction tx(connection_);
    const auto rows =
        exec_with(tx,
                  "SELECT extract(epoch FROM window_end_time)::bigint FROM pipeline_records "
                  "WHERE pipeline_id = $1 AND trigger <> 'backfill' "
                  "ORDER BY window_start_time DESC LIMIT 1",
                  {pipeline.value});
    if (rows.empty()) return std::nullopt;
    return Instant{Seconds{rows[0][0].as<std::int64_t>()}};
  });
}

Result<std::vector<std::optional<Instant>>> Records::last_window_ends(
    std::span<const PipelineId> pipelines) {
  using Ends = std::vector<std::optional<Instant>>;
  if (pipelines.empty()) return Ends{};
  return attempt("reading the last windows", [&] {
    std::vector<std::string> ids;
    ids.reserve(pipelines.size());
    for (const auto& p : pipelines) ids.push_back(p.value);
    pqxx::nontransaction tx(connection_);
    // The probe of last_window_end, once per pipeline, in one statement.
    const auto rows = exec_with(tx,
                                "SELECT extract(epoch FROM l.window_end_time)::bigint "
                                "FROM unnest($1::text[]) WITH ORDINALITY AS p(id, n) "
                                "LEFT JOIN LATERAL (SELECT window_end_time FROM pipeline_records r "
                                "WHERE r.pipeline_id = p.id AND r.trigger <> 'backfill' "
                                "ORDER BY r.window_start_time DESC LIMIT 1) l ON true ORDER BY p.n",
                                {array_literal(ids)});
    Ends ends;
    ends.reserve(rows.size());
    for (const auto& row : rows)
      ends.push_back(row[0].is_null()
                         ? std::nullopt
                         : std::optional<Instant>(Instant{Seconds{row[0].as<std::int64_t>()}}));
    return ends;
  });
}

namespace {

// The columns every claim returns: the record, how long it waited to be claimed and since
// its first claim.
const std::string kClaimedColumns =
    std::string(kRecordColumns) +
    // Claimable since it was made, or since its backoff (or the rerun, release or cleanup
    // that set next_attempt_at) let it run again.
    ", extract(epoch FROM pipeline_locked_at - greatest(record_first_created_time, "
    "next_attempt_at))::float8 AS waited_s, "
    "extract(epoch FROM pipeline_locked_at - pipeline_start_time)::bigint AS first_claim_s";

// The limits as the eight arrays of sluice_store_claim_limits and sluice_claim.
Params limit_arrays(std::span<const ClaimLimit> limits) {
  std::vector<std::string> ids, live, backfill, versions, pools, slots, sizes, priorities;
  for (const auto& l : limits) {
    ids.push_back(l.pipeline.value);
    live.push_back(std::to_string(l.live));
    backfill.push_back(std::to_string(l.backfill));
    versions.push_back(std::to_string(l.version));
    pools.push_back(l.pool);
    slots.push_back(std::to_string(l.pool_slots));
    sizes.push_back(std::to_string(l.pool_size));
    priorities.push_back(std::to_string(l.priority));
  }
  Params params;
  params.add(array_literal(ids))
      .add(array_literal(live))
      .add(array_literal(backfill))
      .add(array_literal(versions))
      .add(array_literal(pools))
      .add(array_literal(slots))
      .add(array_literal(sizes))
      .add(array_literal(priorities));
  return params;
}

}  // namespace

Statement claim_statement(std::span<const ClaimLimit> limits, std::string_view holder) {
  return Statement{"sluice_claim",
                   "SELECT " + kClaimedColumns +
                       " FROM sluice_claim($1::text[], $2::int[], $3::int[], $4::int[], "
                       "$5::text[], $6::int[], $7::int[], $8::int[], $9)",
                   limit_arrays(limits).add(std::string(holder)).take()};
}

Statement store_claim_limits_statement(const ClaimLimitSet& limits, std::string_view holder) {
  Params params;
  params.add(std::string(holder)).add(std::to_string(limits.fingerprint()));
  for (auto& array : limit_arrays(limits.limits()).take()) params.add(std::move(*array));
  return Statement{"sluice_store_claim_limits",
                   "SELECT sluice_store_claim_limits($1, $2::bigint, $3::text[], $4::int[], "
                   "$5::int[], $6::int[], $7::text[], $8::int[], $9::int[], $10::int[])",
                   params.take()};
}

Statement claim_windows_statement(std::int64_t fingerprint, std::string_view holder, int max) {
  // A claim that hands out windows commits without waiting for its WAL flush: set_config(...,
  // true) lasts until the statement's own implicit transaction commits, and its commit reads
  // it (why that is safe: RecordStore::claim_windows).
  return Statement{"sluice_claim_windows",
                   "SELECT " + kClaimedColumns +
                       " FROM sluice_claim_windows($1, $2::bigint, $3::int) "
                       "WHERE set_config('synchronous_commit', 'off', true) = 'off'",
                   Params()
                       .add(std::string(holder))
                       .add(std::to_string(fingerprint))
                       .add(std::to_string(max))
                       .take()};
}

namespace detail {

Record claimed_record(const pqxx::row& row) {
  auto record = to_record(row);
  record.claim_wait_seconds = std::max(0.0, row["waited_s"].as<double>(0.0));
  record.since_first_claim =
      std::chrono::seconds(std::max<std::int64_t>(0, row["first_claim_s"].as<std::int64_t>(0)));
  return record;
}

SqlParams write_params(const Record& record, const TaskWrite& w, std::string_view holder) {
  std::optional<std::string> to_status;
  bool counts_attempt = false;
  if (w.move) {
    const auto t = find_transition(*w.move, Status::in_progress);
    if (!t || !t->fenced)
      throw std::logic_error("move " + std::string(to_string(*w.move)) + " is not a holder's move");
    to_status = std::string(to_string(t->to));
    counts_attempt = t->counts_attempt;
  }
  std::optional<std::string> phase;
  if (w.phase_completed) phase = std::string(to_string(*w.phase_completed));
  std::optional<std::int64_t> delay;
  if (w.retry_delay) delay = w.retry_delay->count();
  std::optional<std::string> message;
  if (!w.message.empty()) message = stored_message(w.message);
  Params p;
  p.add(std::to_string(record.id.value))
      .add(record.run.value)
      .add(std::to_string(w.elapsed.count()))
      .add(std::string(to_string(w.status)))
      .add(phase)
      .add(w.source_count)
      .add(w.target_count)
      .add(w.stage_count)
      .add(w.stage_bytes)
      .add(w.count_difference)
      .add(w.percentage_difference)
      .add(w.audit_result)
      .add(to_status)
      .add(std::string(counts_attempt ? "true" : "false"))
      .add(delay)
      .add(message)
      .add(std::string(to_string(w.outcome)))
      .add(w.rows)
      .add(std::string(holder))
      .add(w.config_version ? std::optional<std::int64_t>(*w.config_version) : std::nullopt);
  if (w.task == Task::audit) add_checks(p, w.checks);
  return p.take();
}

}  // namespace detail

Statement write_task_statement(const Record& record, const TaskWrite& w, std::string_view holder) {
  return Statement{write_statement_name(w.task), detail::write_statement(w.task),
                   detail::write_params(record, w, holder)};
}

Result<std::optional<Record>> Records::claim(const ClaimLimitSet& limits) {
  auto claimed = claim_windows(limits, 1);
  if (!claimed) return fail(claimed.error());
  if (claimed->empty()) return std::optional<Record>{};
  return std::optional(std::move(claimed->front()));
}

Result<bool> Records::write_task(const Record& record, const TaskWrite& w) {
  return attempt("writing a task outcome", [&] {
    return !detail::execute(connection_, write_task_statement(record, w, holder_)).empty();
  });
}

Result<bool> Records::heartbeat(const Record& record) {
  return attempt("renewing a lease", [&] {
    pqxx::nontransaction tx(connection_);
    const auto r =
        exec_with(tx,
                  "UPDATE pipeline_records SET heartbeat_at = now() "
                  "WHERE id = $1 AND dag_run_id = $2 AND pipeline_status = 'IN_PROGRESS'",
                  {std::to_string(record.id.value), record.run.value});
    return r.affected_rows() == 1;
  });
}

Result<CleanupReport> Records::expire_stale_locks(std::span<const StaleLimit> limits,
                                                  const StaleLimit& fallback) {
  return attempt("expiring stale locks", [&] {
    std::vector<std::string> ids, thresholds, retries;
    for (const auto& l : limits) {
      ids.push_back(l.pipeline.value);
      thresholds.push_back(std::to_string(l.threshold.count()));
      retries.push_back(std::to_string(l.max_retries));
    }
    pqxx::nontransaction tx(connection_);
    // The lease condition is evaluated on the row as locked (FOR UPDATE re-reads it), and
    // again by the UPDATE: a record finished a moment ago is not IN_PROGRESS any more.
    const auto result = exec_with(
        tx,
        "WITH lim AS (SELECT * FROM unnest($1::text[], $2::bigint[], $3::int[]) AS l(pipeline_id, "
        "secs, retries)), "
        "stale AS (SELECT r.id, r.dag_run_id, r.retry_attempt, coalesce(l.secs, $4) AS secs, "
        "                 coalesce(l.retries, $5) AS retries "
        "            FROM pipeline_records r LEFT JOIN lim l USING (pipeline_id) "
        "           WHERE r.pipeline_status = 'IN_PROGRESS' "
        "             AND coalesce(r.heartbeat_at, r.pipeline_locked_at) < now() - "
        "coalesce(l.secs, $4) * interval '1 second' "
        "             FOR UPDATE OF r SKIP LOCKED), "
        "upd AS (UPDATE pipeline_records r "
        "           SET pipeline_status = CASE WHEN s.retry_attempt + 1 > s.retries THEN 'FAILED' "
        "ELSE 'PENDING' END, "
        "               retry_attempt = r.retry_attempt + 1, "
        "               next_attempt_at = CASE WHEN s.retry_attempt + 1 > s.retries THEN NULL "
        "ELSE now() END, "
        "               pipeline_end_time = CASE WHEN s.retry_attempt + 1 > s.retries THEN now() "
        "END, "
        "               force_reload = r.force_reload AND s.retry_attempt + 1 <= s.retries, "
        "               error_message = 'lock of ' || coalesce(r.locked_by, '?') || ' expired: no "
        "heartbeat since ' || "
        "                   to_char(coalesce(r.heartbeat_at, r.pipeline_locked_at) AT TIME ZONE "
        "'UTC', "
        "                           'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
        "          FROM stale s "
        "         WHERE r.id = s.id AND r.dag_run_id = s.dag_run_id AND r.pipeline_status = "
        "'IN_PROGRESS' "
        "           AND coalesce(r.heartbeat_at, r.pipeline_locked_at) < now() - s.secs * interval "
        "'1 second' "
        "        RETURNING r.id, r.pipeline_id, s.dag_run_id, r.pipeline_status, r.error_message) "
        "INSERT INTO pipeline_events (record_id, pipeline_id, dag_run_id, task, from_status, "
        "to_status, outcome, "
        "                             started_at, ended_at, message, host) "
        "SELECT id, pipeline_id, dag_run_id, 'stale_lock_cleanup', 'IN_PROGRESS', pipeline_status, "
        "'EXPIRED', "
        "       now(), now(), error_message, $6 FROM upd RETURNING to_status",
        {array_literal(ids), array_literal(thresholds), array_literal(retries),
         std::to_string(fallback.threshold.count()), std::to_string(fallback.max_retries),
         holder_});
    CleanupReport report;
    for (const auto& row : result) {
      if (row[0].as<std::string>() == "FAILED") {
        ++report.failed;
      } else {
        ++report.returned_to_pending;
      }
    }
    return report;
  });
}

// On the stale-lock scan's partial index (IN_PROGRESS rows only): a handful of rows.
Result<std::vector<Record>> Records::own_unrenewed_locks(std::chrono::milliseconds older_than) {
  return attempt("reading this holder's unrenewed locks", [&] {
    pqxx::nontransaction tx(connection_);
    const auto rows = exec_with(
        tx,
        std::string("SELECT ") + kRecordColumns +
            " FROM pipeline_records WHERE pipeline_status = 'IN_PROGRESS' AND locked_by = $1 "
            "AND coalesce(heartbeat_at, pipeline_locked_at) < now() - $2::bigint * interval "
            "'1 millisecond' ORDER BY coalesce(heartbeat_at, pipeline_locked_at), id",
        {holder_, std::to_string(older_than.count())});
    std::vector<Record> out;
    out.reserve(rows.size());
    for (const auto& row : rows) out.push_back(to_record(row));
    return out;
  });
}

Result<std::optional<Record>> Records::find(RecordId id) {
  return attempt("reading a record", [&]() -> std::optional<Record> {
    pqxx::nontransaction tx(connection_);
    const auto r = tx.exec_params(
        std::string("SELECT ") + kRecordColumns + " FROM pipeline_records WHERE id = $1", id.value);
    if (r.empty()) return std::nullopt;
    return to_record(r[0]);
  });
}

Result<std::int64_t> Records::settle_backfill(const Record& record) {
  return Backfills(connection_, "").settle_window(record.pipeline, record.window.start);
}

namespace {

// The connection lives as long as the Records that use it.
class OwnedRecords final : public Records {
 public:
  OwnedRecords(std::unique_ptr<Connection> connection, std::string holder)
      : Records(*connection, std::move(holder)), connection_(std::move(connection)) {}

 private:
  std::unique_ptr<Connection> connection_;
};

}  // namespace

Result<std::unique_ptr<RecordStore>> open_records(std::string_view url,
                                                  const ConnectOptions& options,
                                                  std::string holder) {
  auto connection = connect(url, options);
  if (!connection) return fail(connection.error());
  return std::unique_ptr<RecordStore>(
      std::make_unique<OwnedRecords>(std::move(*connection), std::move(holder)));
}

Result<std::int64_t> count_pending(pqxx::connection& connection,
                                   std::span<const std::string> pipelines) {
  return attempt("counting the backlog", [&] {
    pqxx::nontransaction tx(connection);
    return exec_with(tx,
                     "SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'PENDING' "
                     "AND pipeline_id = ANY($1::text[])",
                     {array_literal(pipelines)})[0][0]
        .as<std::int64_t>();
  });
}

}  // namespace sluice::store
