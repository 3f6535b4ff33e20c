#pragma once
// Which windows are finished for good, for the sweep of stage directories: a record that is
// SUCCESS or SKIPPED, or FAILED for longer than the time its stage is kept for a look at it.
// A window IN_PROGRESS or PENDING (whatever its phase: a resumed one reads its stage) is not,
// and neither is a window with no record.
#include <functional>
#include <span>
#include <vector>

#include <pqxx/connection>

#include "framework/core/error.hpp"
#include "framework/core/ids.hpp"
#include "framework/core/instant.hpp"
#include "framework/time/duration.hpp"

namespace sluice::store {

// Of `starts` (window starts of `pipeline`), the finished ones are passed to `act`, inside
// one short transaction that holds their records FOR SHARE meanwhile: a rerun cannot put one
// of them back to work (and a new run stage it) until `act` is done. A record another
// transaction holds is left for the next call. `keep_failed` is judged by the database clock
// against the record's last update (the `failed_at` of the operator views).
Result<void> with_finished_windows(pqxx::connection& connection, const PipelineId& pipeline,
                                   std::span<const Instant> starts,
                                   const time::Duration& keep_failed,
                                   const std::function<void(std::span<const Instant>)>& act);

}  // namespace sluice::store
