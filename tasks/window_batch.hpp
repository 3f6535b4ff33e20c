#pragma once
// A worker's windows, several per claim and several ends per write, where that keeps every
// guarantee: each window has its own run ID and every write is fenced by it, as one at a
// time. Only the end of an empty window (pre-validation's SKIPPED) waits to be written with
// others; a window that loads data writes each task's outcome as it comes. The
// pre-validation counts of a claim's windows are taken together where the adapters can.
#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <span>
#include <vector>

#include "framework/store/record_store.hpp"
#include "tasks/chain.hpp"
#include "tasks/task.hpp"

namespace sluice::tasks {

// The most windows one claim asks for; the pipeline's limit and its pool bound it further.
inline constexpr int kMaxClaimBatch = 32;

// How many windows the next claim asks for: one, doubling up to kMaxClaimBatch while every
// window of the last claim was empty (SKIPPED by pre-validation), one again after any other
// outcome. A backlog of empty windows is claimed in batches; a window that loads data is not
// kept claimed, waiting, behind another window's load.
class BatchSize {
 public:
  int next() const { return size_; }
  void after(bool all_empty) { size_ = all_empty ? std::min(size_ * 2, kMaxClaimBatch) : 1; }

 private:
  int size_ = 1;
};

// The ends the chain deferred (EndWrites), written in one statement at each flush.
class BatchedEnds final : public EndWrites {
 public:
  explicit BatchedEnds(store::RecordStore& records) : records_(records) {}

  void defer(const store::Record& record, const store::TaskWrite& write,
             std::chrono::steady_clock::time_point started) override;
  // One write_tasks for all. A batch the database refuses (not a lost connection) is written
  // again one window at a time, so one bad write cannot keep the others from ending.
  void flush() override;

  struct Ended {
    store::Record record;
    ChainOutcome outcome;  // SKIPPED, LOCK_LOST, or STORE_ERROR (refused: left to the cleanup)
  };
  // The windows the flushes settled since the last call.
  std::vector<Ended> take_ended();
  // The windows whose end could not be written because the database is out of reach: still
  // IN_PROGRESS under their run ID, to be released once it is back. Their error is `lost_error`.
  std::vector<store::Record> take_lost();
  const std::optional<Error>& lost_error() const { return lost_error_; }

 private:
  struct Deferred {
    store::Record record;
    store::TaskWrite write;
    std::chrono::steady_clock::time_point started;
  };
  void ended(const Deferred& d, bool written);

  store::RecordStore& records_;
  std::vector<Deferred> deferred_;
  std::vector<Ended> ended_;
  std::vector<store::Record> lost_;
  std::optional<Error> lost_error_;
};

// What pre-validation decides a window by: the target's count of it and, where it needs it
// (the target holds none of the window, or appends), whether the source has any row
// (nullopt: pre-validation asks the source itself).
struct WindowCounts {
  std::int64_t target = 0;
  std::optional<bool> source_has_rows;
};

// The pre-validation counts of a claim's windows, taken together: at a window's
// pre-validation, the target counts it and the claim's later windows in one call, and the
// source says in one more call which of those it needs have rows, where the adapters answer
// for several windows at once (answers_windows_together). A backlog of empty windows then
// costs two calls per claim instead of two per window. The counts of a later window are used
// only while every window before it ended SKIPPED by pre-validation (the runner calls
// forget() after any other outcome): they are older than its own count would be only by
// those empty windows' pre-validations, and the claim holds every window counted, so no run
// of sluice wrote to any of them meanwhile.
class CountsAhead {
 public:
  // `claimed`: the windows of one claim, oldest first; kept by reference.
  explicit CountsAhead(std::span<const store::Record> claimed) : claimed_(claimed) {}

  // The counts of ctx's window, or nullopt: it counts its own (the adapters count one window
  // at a time, it is the claim's last window, or counting together failed, and its own count
  // then says why).
  std::optional<WindowCounts> take(const TaskContext& ctx);
  void forget() { counts_.clear(); }

 private:
  std::span<const store::Record> claimed_;
  std::map<std::int64_t, WindowCounts> counts_;  // by record id
  bool failed_ = false;
};

}  // namespace sluice::tasks
