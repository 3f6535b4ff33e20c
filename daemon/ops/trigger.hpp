#pragma once
// "Run now" (POST /api/v1/pipelines/{id}/trigger): one window, created or reset with the
// `manual` trigger so a daemon claims it at once. Asked twice, it finds its own window
// queued or running and makes no second one.
#include <optional>
#include <string>

#include "daemon/ops/refusal.hpp"
#include "framework/config/model.hpp"
#include "framework/store/operator.hpp"

namespace sluice::ops {

struct Triggered {
  enum class Action {
    created,  // the window had no record: made PENDING, manual
    reset,    // it had finished (SUCCESS, SKIPPED, FAILED): back to PENDING, manual
    queued,   // it was PENDING already: manual, claimable now
    running,  // it is IN_PROGRESS: left alone
  };
  Action action = Action::created;
  std::int64_t record = 0;
  Window window{};
};
std::string_view to_string(Triggered::Action a);

// The window holding `at`, or the newest window due at `now` (its data complete: ended, and
// x_time_back passed). The schedule is brought up to date first, as its next cron tick would,
// so a manual window never leaves a hole before it. Refused: a window not due yet, one
// outside the pipeline's start..end, a pipeline with no due window.
Outcome<Triggered> trigger_window(store::Connection& connection, const config::Config& config,
                                  const config::PipelineConfig& pipeline, std::optional<Instant> at,
                                  Instant now, const store::AuditEntry& audit,
                                  const std::string& host);

}  // namespace sluice::ops
