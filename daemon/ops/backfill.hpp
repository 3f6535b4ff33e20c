#pragma once
// Backfill requests as `sluicectl backfill`/`backfills` and the API's backfill routes both
// take them: the same checks before anything is written, the same dry-run plan, the same
// JSON shapes.
#include <cstddef>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "daemon/ops/refusal.hpp"
#include "framework/config/model.hpp"
#include "framework/store/backfill.hpp"
#include "tasks/backfill.hpp"

namespace sluice::ops {

// As the operator wrote it: times in the pipeline's zone or with an offset.
struct BackfillInput {
  std::string pipeline{}, from{}, to{}, reprocess = "missing";
  bool force = false;
};

struct BackfillOrder {
  const config::PipelineConfig* pipeline = nullptr;
  Instant from{}, to{};
  store::Reprocess reprocess = store::Reprocess::missing;
  bool force = false;
};

// Refuses an unknown pipeline (not_found), a bad time, `to` not after `from`, an unknown
// reprocess mode, `force` without reprocess all, a range of more windows than
// scheduler.backfill_max_windows (counted without making them, so a range to 9999-12-31 is refused
// at once).
Outcome<BackfillOrder> resolve_backfill(const config::Config& config, const BackfillInput& in,
                                        Dialect d);

// What the order would do now, reading the range's records a page at a time; writes nothing.
Outcome<tasks::BackfillPlan> dry_run(store::Backfills& backfills, const BackfillOrder& order,
                                     Instant now, std::size_t listed);
// The plan: counts per action, the first `listed` windows of each in the pipeline's zone.
nlohmann::json backfill_plan_json(const BackfillOrder& order, const tasks::BackfillPlan& plan,
                                  std::size_t listed);

// A request (times in UTC), with its progress read from the records of its range if given.
nlohmann::json backfill_request_json(const store::BackfillRequest& r,
                                     const std::optional<store::BackfillProgress>& progress);

// A cancel's outcome: not_found and ended (DONE, FAILED, CANCELLED already) are refused.
Outcome<nlohmann::json> cancel_backfill(store::Backfills& backfills, std::int64_t id,
                                        const store::AuditEntry& audit);

}  // namespace sluice::ops
