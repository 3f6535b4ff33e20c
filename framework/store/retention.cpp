#include "framework/store/retention.hpp"

#include <pqxx/nontransaction>

#include "framework/store/errors.hpp"

namespace sluice::store {
namespace {

constexpr const char* kPruneRecords = R"(
DELETE FROM pipeline_records
 WHERE id IN (SELECT r.id
                FROM pipeline_records r
               WHERE r.pipeline_status IN ('SUCCESS', 'SKIPPED')
                 AND r.window_end_time < now() - $1::interval
                 AND r.window_start_time < (SELECT max(m.window_start_time)
                                              FROM pipeline_records m
                                             WHERE m.pipeline_id = r.pipeline_id)
               ORDER BY r.id
               LIMIT $2
                 FOR UPDATE SKIP LOCKED))";

constexpr const char* kPruneEvents = R"(
DELETE FROM pipeline_events
 WHERE id IN (SELECT e.id
                FROM pipeline_events e
               WHERE e.created_at < now() - $1::interval
               ORDER BY e.id
               LIMIT $2))";

// Notifications (and their deliveries, by cascade) age like events, once nothing of them is
// still pending.
constexpr const char* kPruneNotifications = R"(
DELETE FROM notifications
 WHERE id IN (SELECT n.id
                FROM notifications n
               WHERE n.created_at < now() - $1::interval
                 AND n.expanded_at IS NOT NULL
                 AND NOT EXISTS (SELECT 1 FROM notification_deliveries d
                                  WHERE d.notification_id = n.id AND d.status = 'pending')
               ORDER BY n.id
               LIMIT $2))";

// Deletes in batches until one comes back short; returns rows deleted and batches used.
Result<std::pair<std::int64_t, int>> in_batches(pqxx::connection& connection, const char* sql,
                                                const time::Duration& age, int batch,
                                                int max_batches) {
  return attempt("pruning old rows", [&] {
    const std::string interval = to_interval(age);
    std::int64_t total = 0;
    int used = 0;
    while (used < max_batches) {
      pqxx::nontransaction tx(connection);
      const auto r = tx.exec_params(sql, interval, batch);
      ++used;
      total += static_cast<std::int64_t>(r.affected_rows());
      if (r.affected_rows() < static_cast<std::size_t>(batch)) return std::pair{total, -used};
    }
    return std::pair{total, used};  // positive: the cap was reached
  });
}

}  // namespace

std::string to_interval(const time::Duration& d) {
  return std::to_string(d.months) + " months " + std::to_string(d.fixed.count()) + " seconds";
}

Result<std::int64_t> fold_counts(pqxx::connection& connection) {
  return attempt("folding the finished-window counts", [&] {
    pqxx::nontransaction tx(connection);
    return tx.exec("SELECT sluice_fold_counts()")[0][0].as<std::int64_t>();
  });
}

Result<std::int64_t> fold_latency(pqxx::connection& connection) {
  return attempt("folding the window latencies", [&] {
    pqxx::nontransaction tx(connection);
    return tx.exec("SELECT sluice_fold_latency()")[0][0].as<std::int64_t>();
  });
}

Result<PruneReport> prune(pqxx::connection& connection, const RetentionPolicy& policy) {
  PruneReport report;
  int budget = policy.max_batches;
  if (policy.records) {
    auto done = in_batches(connection, kPruneRecords, *policy.records, policy.batch_size, budget);
    if (!done) return fail(done.error());
    report.records = done->first;
    if (done->second > 0) return PruneReport{report.records, 0, true};
    budget += done->second;  // batches used come back negative when the work ran out
  }
  if (policy.events && budget > 0) {
    auto done = in_batches(connection, kPruneEvents, *policy.events, policy.batch_size, budget);
    if (!done) return fail(done.error());
    report.events = done->first;
    report.more = done->second > 0;
    budget += done->second;
    if (!report.more && budget > 0) {
      auto sent =
          in_batches(connection, kPruneNotifications, *policy.events, policy.batch_size, budget);
      if (!sent) return fail(sent.error());
      report.events += sent->first;
      report.more = sent->second > 0;
    }
  } else if (policy.events) {
    report.more = true;
  }
  return report;
}

}  // namespace sluice::store
