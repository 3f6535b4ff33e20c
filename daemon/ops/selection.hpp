#pragma once
// The record selection `records list`, `rerun`, `clear`, `locks release` and the API's
// record routes share: a pipeline, a window range or single windows, record ids, statuses,
// a trigger. Checked against the config before anything touches the database.
#include <optional>
#include <string>
#include <vector>

#include "daemon/ops/refusal.hpp"
#include "framework/config/model.hpp"
#include "framework/store/operator.hpp"

namespace sluice::ops {

// As the operator wrote it: times in the pipeline's zone (a bare date is its local midnight)
// or with an offset.
struct SelectionInput {
  std::string pipeline{};
  std::string from{}, to{};
  std::vector<std::string> windows{};  // instants: the window holding each
  std::vector<std::int64_t> ids{};
  std::vector<std::string> statuses{};
  std::string trigger{};
  bool only_failed = false;
  std::vector<std::string> tags{};  // pipelines with any of these config `tags`
};

struct Selection {
  store::RecordSelection records{};
  time::Zone zone = nullptr;                         // the pipeline's, else UTC
  const config::PipelineConfig* pipeline = nullptr;  // when one was named
  std::vector<store::RecordSelection> windows{};     // one per `window`
};

// Refuses an unknown pipeline (not_found, with a did-you-mean), a quarantined one (not_found,
// with its config error), a bad time, `to` not after
// `from`, an unknown status or trigger, `window` without a pipeline.
Outcome<const config::PipelineConfig*> find_pipeline(const config::Config& config,
                                                     std::string_view id);
// The pipelines whose config `tags` hold any of `tags`, in config order. A tag no pipeline
// has is refused (bad_input, field `tag`) naming it, with a did-you-mean and the known tags.
Outcome<std::vector<const config::PipelineConfig*>> tagged_pipelines(
    const config::Config& config, const std::vector<std::string>& tags, Dialect d);
Outcome<Instant> parse_time(const std::string& text, std::string_view field, time::Zone zone,
                            Dialect d);
// Both given: refused (field `to`) unless from < to, both shown in `zone`.
Outcome<void> check_range(Instant from, Instant to, time::Zone zone, Dialect d);
Outcome<Selection> resolve_selection(const config::Config& config, const SelectionInput& in,
                                     Dialect d);

// `window`s: the windows of the pipeline holding each instant, as one id list; the selection
// is narrowed to them. not_found when one has no record.
Outcome<void> narrow_to_windows(store::Operator& op, Selection& s, Dialect d);

// What rerun, clear and release act on: of the selection, the records in `acts_on` (and in
// the selection's own statuses, when it names some) change; the rest are left alone.
struct ActionPlan {
  store::RecordSelection changed{};
  std::int64_t will_change = 0;
  std::int64_t left_alone = 0;  // selected but not changed: running, pending or filtered out
};
Outcome<ActionPlan> plan_action(store::Operator& op, const Selection& s,
                                std::vector<store::Status> acts_on);

}  // namespace sluice::ops
