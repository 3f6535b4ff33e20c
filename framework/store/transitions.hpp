#pragma once
// The record life cycle: every status a record can have, every phase it can complete, and
// the one table of allowed moves. Any code that changes pipeline_status names a Move from
// this table; nothing else decides what may follow what.
#include <compare>
#include <optional>
#include <span>
#include <string_view>

namespace sluice::store {

enum class Status { pending, in_progress, success, skipped, failed };

// The last task completed (`phase_completed`), so a retried record resumes after it.
enum class Phase { none, pre_validation, source_to_stage, stage_to_target, audit };

std::string_view to_string(Status s);  // PENDING, IN_PROGRESS, ... (the column values)
std::string_view to_string(Phase p);   // "" for none, then PRE_VALIDATION, ...
std::optional<Status> parse_status(std::string_view text);
std::optional<Phase> parse_phase(std::string_view text);

bool is_terminal(Status s);  // success, skipped, failed: nothing happens without an operator

enum class Move {
  claim,        // PENDING -> IN_PROGRESS: a worker takes the lock with a fresh run ID
  succeed,      // IN_PROGRESS -> SUCCESS: the audit passed
  skip,         // IN_PROGRESS -> SKIPPED: pre-validation found the window already loaded,
                // or a run_if condition was false (on_false: skip, or a calendar day)
  fail,         // IN_PROGRESS -> FAILED: permanent or integrity error, or retries used up
  retry,        // IN_PROGRESS -> PENDING: retryable error, next_attempt_at set
  release,      // IN_PROGRESS -> PENDING, no attempt counted: drain on shutdown, a window
                // not yet stable, or one whose run_if condition is false (on_false: wait)
  expire,       // IN_PROGRESS -> PENDING: stale lock freed by cleanup, attempt counted
  expire_fail,  // IN_PROGRESS -> FAILED: stale lock and retries used up
  rerun,        // SUCCESS | SKIPPED | FAILED -> PENDING: operator rerun or backfill reprocess
  accept,       // FAILED -> SUCCESS: an operator accepts the window as it is (mark-success)
};

struct Transition {
  Move move;
  Status from;
  Status to;
  bool counts_attempt;  // retry_attempt + 1
  bool fenced;          // the UPDATE carries `dag_run_id = $run` (the holder's own writes)
  std::string_view description;
};

std::span<const Transition> transitions();
std::string_view to_string(Move m);

// The row for `move` when `from` may take it; nullopt when the move is not allowed.
std::optional<Transition> find_transition(Move move, Status from);
bool allowed(Status from, Status to);

}  // namespace sluice::store
