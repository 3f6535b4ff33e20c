#pragma once
// The record selection options `records list`, `rerun` and `clear` share: a pipeline, a
// window range or single windows, record ids, statuses, a trigger. Checked against the
// config before anything touches the database.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "daemon/ctl/context.hpp"
#include "daemon/ops/selection.hpp"
#include "framework/config/model.hpp"
#include "framework/store/operator.hpp"

namespace CLI {
class App;
}

namespace sluice::ctl {

using SelectionOptions = ops::SelectionInput;
using Selection = ops::Selection;

// --from/--to/--window/--id (and, for listing, --status/--trigger).
void add_selection_options(CLI::App& cmd, SelectionOptions& o, bool listing);

}  // namespace sluice::ctl

namespace sluice::ctl {

// rerun and clear: resolve the selection, count what it would change, confirm (-y), act,
// audit, print. `acts_on` are the statuses the action changes (others are left alone and
// counted as such); `act` does it in one transaction and returns how many it changed.
using RecordAction = std::function<Result<std::int64_t>(
    store::Operator&, const store::RecordSelection&, const store::AuditEntry&)>;
// `downstream`: the same action on every descendant's windows overlapping the selection
// (ops/downstream.hpp), parents first, after the pipeline's own.
int run_record_action(Context& ctx, const SelectionOptions& o, const std::string& verb,
                      const std::vector<store::Status>& acts_on, const RecordAction& act,
                      bool downstream = false);

}  // namespace sluice::ctl
