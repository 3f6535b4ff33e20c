#pragma once
// What operators do to records outside the chain (sluicectl records, rerun, clear, pause,
// locks, status; backfill's resets). None of these is a lock holder's write: they never
// carry a run ID. Where they take a window from a run (locks release) the run's own fenced
// writes then match no row and it stops, which is how fencing is meant to end a run.
// Every change is one transaction with its pipeline_events rows and an audit_log row.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <pqxx/connection>
#include <pqxx/transaction_base>

#include "framework/core/error.hpp"
#include "framework/core/ids.hpp"
#include "framework/store/params.hpp"
#include "framework/store/records.hpp"
#include "framework/store/transitions.hpp"

namespace sluice::store {

// A record's place in `list` order: keyset pagination resumes after it.
struct RecordKey {
  std::string pipeline;
  Instant window_start;
  auto operator<=>(const RecordKey&) const = default;
};

// Which records: every set field narrows it. Window range is on window_start_time.
struct RecordSelection {
  std::optional<PipelineId> pipeline{};
  std::optional<Instant> from{}, to{};
  std::vector<std::int64_t> ids{};
  std::vector<Status> statuses{};  // empty: any
  std::optional<Trigger> trigger{};
  std::optional<RecordKey> after{};  // only records after this one in list order
  // `list` order: pipeline, then window start; both descending when set (newest first).
  bool newest_first = false;
  // One of these pipelines (`--tag`: those with the tag); with `pipeline`, both must hold.
  std::optional<std::vector<std::string>> pipelines{};
};

// One line of `records list` / `locks list`.
struct RecordRow {
  std::int64_t id = 0;
  std::string pipeline;
  Instant window_start, window_end;
  std::string status, trigger, run, phase, locked_by, error;
  std::string audit_result;  // PASS, FAIL, ACCEPTED (mark-success); empty before an audit
  int retry_attempt = 0;
  std::optional<std::int64_t> source_count, target_count;
  std::optional<std::int64_t> lease_age_seconds;  // IN_PROGRESS: now() - last heartbeat
  std::optional<double> duration_seconds;         // pipeline_end_time - pipeline_start_time
  std::string waiting_on;  // PENDING: what `depends_on` holds it on (sluice_waiting_on)
};

// One of a pipeline's newest windows (the console's strip of recent windows).
struct RecentWindow {
  std::string pipeline;
  std::int64_t id = 0;
  Instant window_start;
  std::string status;
};

// The whole row, columns in table order, and its events oldest first (`records show`).
struct RecordDetail {
  nlohmann::ordered_json record;
  std::optional<std::string> waiting_on;  // PENDING and held by `depends_on`
  // The definition its window last ran with (config_version): version, origin, file,
  // checksum, created_by, created_at; null before it ran.
  nlohmann::ordered_json definition;
  nlohmann::ordered_json events = nlohmann::ordered_json::array();
  // Its window_checks rows (data checks), oldest run first.
  nlohmann::ordered_json checks = nlohmann::ordered_json::array();
};

// Per pipeline, from the records (`status`).
struct PipelineCounts {
  std::string pipeline;
  std::int64_t pending = 0, running = 0, failed = 0, success = 0, skipped = 0;
  std::optional<Instant> last_success_end;  // end of the newest SUCCESS/SKIPPED window
  std::optional<Instant> last_generated_end;
  bool paused = false;
  std::string waiting_on;  // what holds its oldest PENDING window, if anything
};

// An audit_log row: who did what to how many.
struct AuditEntry {
  std::string actor{}, command{};
  std::optional<PipelineId> pipeline{};
  nlohmann::json arguments = nlohmann::json::object();
  std::string message{};
  std::string client{};  // the HTTP client's address; empty from sluicectl
};

// What became of a mark-success: the record's id and its status before (accepted: FAILED).
struct AcceptOutcome {
  bool found = false;     // the pipeline has a record of the window
  bool accepted = false;  // it was FAILED and now is SUCCESS
  std::int64_t id = 0;
  Status status = Status::pending;
};

// Which audit_log rows: every set field narrows it; `before` pages back (ids below it).
struct AuditFilter {
  std::optional<PipelineId> pipeline{};
  std::string actor{};
  std::optional<std::int64_t> before{};
};

class Operator {
 public:
  Operator(pqxx::connection& connection, std::string host);

  // Ordered by pipeline, then window start.
  Result<std::vector<RecordRow>> list(const RecordSelection& selection, int limit);
  Result<std::int64_t> count(const RecordSelection& selection);
  // From the oldest selected window's start to the newest one's end; nullopt when none is.
  Result<std::optional<Window>> span(const RecordSelection& selection);
  Result<std::optional<RecordDetail>> show(std::int64_t id);
  // Each pipeline's counts; `waiting_on` only for those in `may_wait` (a pipeline with
  // `depends_on` or `run_if`: nothing else holds a PENDING window), empty for the rest.
  Result<std::vector<PipelineCounts>> counts(std::span<const std::string> pipelines,
                                             std::span<const std::string> may_wait);
  // The `per_pipeline` newest windows of each pipeline, by pipeline then newest first.
  Result<std::vector<RecentWindow>> recent(std::span<const std::string> pipelines,
                                           int per_pipeline);

  // The selected SUCCESS/SKIPPED/FAILED records back to PENDING with a clean slate (phase,
  // counts, attempts, error) and `trigger`; IN_PROGRESS and PENDING ones are never touched.
  // `force`: their next run reloads even when pre-validation finds equal counts.
  Result<std::int64_t> rerun(const RecordSelection& selection, Trigger trigger,
                             const AuditEntry& audit, bool force = false);
  // mark-success: the window's record, if FAILED, becomes SUCCESS with audit_result
  // 'ACCEPTED' and no lock, with an `operator` event (outcome ACCEPTED, `reason` in its
  // message) and the audit row, in one transaction. Any other status is left as it is.
  Result<AcceptOutcome> accept(const PipelineId& pipeline, Instant window_start,
                               std::string_view reason, const AuditEntry& audit);
  // Deletes the selected records that are not IN_PROGRESS, with their events: the windows
  // become missing, for the schedule or a backfill to make again.
  Result<std::int64_t> clear(const RecordSelection& selection, const AuditEntry& audit);
  // Takes the selected IN_PROGRESS records from their run (Move::expire: PENDING, attempt
  // counted); that run's next fenced write finds no row and it stops.
  Result<std::int64_t> release(const RecordSelection& selection, const AuditEntry& audit);
  // false: it already was in that state.
  Result<bool> set_paused(const PipelineId& pipeline, bool paused, const AuditEntry& audit);
  Result<std::vector<std::string>> paused_pipelines();
  Result<void> record_audit(const AuditEntry& audit, std::int64_t affected);
  // Newest first, every column of each row as the table has it.
  Result<nlohmann::ordered_json> audit_log(const AuditFilter& filter, int limit);

 private:
  pqxx::connection& connection_;
  std::string host_;
};

// Inside the caller's transaction (backfill uses it in its own): the rerun statement.
std::int64_t rerun_in(pqxx::transaction_base& tx, const RecordSelection& selection, Trigger trigger,
                      std::string_view message, std::string_view host, bool force = false);
void audit_in(pqxx::transaction_base& tx, const AuditEntry& audit, std::int64_t affected);

// `(...)` conditions on alias `r` using $first..$first+5; appends their parameters.
std::string selection_where(const RecordSelection& s, SqlParams& params);

}  // namespace sluice::store
