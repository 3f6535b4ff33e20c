#pragma once
// Retention: finished records and old events leave the database in small batches, each its
// own short statement, so pruning a year of history never holds locks that claims wait on.
#include <cstdint>
#include <optional>

#include <pqxx/connection>

#include "framework/core/error.hpp"
#include "framework/time/duration.hpp"

namespace sluice::store {

struct RetentionPolicy {
  std::optional<time::Duration> records;  // SUCCESS / SKIPPED whose window ended longer ago
  std::optional<time::Duration> events;   // pipeline_events (and sent notifications) older
  int batch_size = 1000;
  int max_batches = 50;  // per call, so one call stays short; the caller comes back for more
};

struct PruneReport {
  std::int64_t records = 0;  // their events go with them (ON DELETE CASCADE), not counted
  std::int64_t events = 0;   // events and notifications
  bool more = false;         // max_batches was reached: call again
};

// Ages are judged by the database clock. The newest record of each pipeline is kept
// whatever its age: generation resumes after it, so deleting it would regenerate history.
Result<PruneReport> prune(pqxx::connection& connection, const RetentionPolicy& policy);

// Moves the deltas of the finished-window counts (0016) into their one row per pipeline, so
// reading the counts costs one row per pipeline. Returns how many deltas it moved: 0 also
// when another session is folding at that moment.
Result<std::int64_t> fold_counts(pqxx::connection& connection);
// The same for the latencies (0022): their days and each pipeline's percentiles. Apart from
// the counts: either fold keeps its readers exact without the other, so one failing leaves
// the other (and the metrics read after them) to go on.
Result<std::int64_t> fold_latency(pqxx::connection& connection);

// `N months S seconds`: a Duration as a PostgreSQL interval.
std::string to_interval(const time::Duration& d);

}  // namespace sluice::store
