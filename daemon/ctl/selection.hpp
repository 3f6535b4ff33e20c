#pragma once
// The record selection options `records list`, `rerun` and `clear` share: a pipeline, a
// window range or single windows, record ids, statuses, a trigger. Checked against the
// config before anything touches the database.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "daemon/ctl/context.hpp"
#include "framework/config/model.hpp"
#include "framework/store/operator.hpp"

namespace CLI {
class App;
}

namespace sluice::ctl {

struct SelectionOptions {
  std::string pipeline;
  std::string from, to;
  std::vector<std::string> windows;  // instants: the window holding each
  std::vector<std::int64_t> ids;
  std::vector<std::string> statuses;
  std::string trigger;
  bool only_failed = false;
};

// --from/--to/--window/--id (and, for listing, --status/--trigger).
void add_selection_options(CLI::App& cmd, SelectionOptions& o, bool listing);

struct Selection {
  store::RecordSelection records;
  time::Zone zone = nullptr;                         // the pipeline's, else UTC
  const config::PipelineConfig* pipeline = nullptr;  // when one was named
  std::vector<store::RecordSelection> windows;       // one per --window
};

// UsageError for an unknown pipeline (with a did-you-mean), a bad time, --from after --to,
// an unknown status or trigger.
Selection resolve_selection(const config::Config& config, const SelectionOptions& o);

// --window T: the windows of the pipeline holding each instant, as one id list; the
// caller's selection is narrowed to them. UsageError when none exists.
void narrow_to_windows(store::Operator& op, Selection& s);

}  // namespace sluice::ctl

namespace sluice::ctl {

// rerun and clear: resolve the selection, count what it would change, confirm (-y), act,
// audit, print. `acts_on` are the statuses the action changes (others are left alone and
// counted as such); `act` does it in one transaction and returns how many it changed.
using RecordAction = std::function<Result<std::int64_t>(
    store::Operator&, const store::RecordSelection&, const store::AuditEntry&)>;
int run_record_action(Context& ctx, const SelectionOptions& o, const std::string& verb,
                      std::vector<store::Status> acts_on, const RecordAction& act);

}  // namespace sluice::ctl
