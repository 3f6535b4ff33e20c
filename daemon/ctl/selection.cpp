#include "daemon/ctl/selection.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "daemon/ctl/database.hpp"
#include "daemon/ctl/loaded_config.hpp"
#include "daemon/ctl/numbers.hpp"
#include "daemon/ctl/output.hpp"
#include "framework/core/suggest.hpp"

namespace sluice::ctl {

void add_selection_options(CLI::App& cmd, SelectionOptions& o, bool listing) {
  cmd.add_option("--from", o.from,
                 "windows starting at or after (YYYY-MM-DD, or an instant with offset)");
  cmd.add_option("--to", o.to, "windows starting before (exclusive)");
  cmd.add_option("--id", o.ids, "record ids")->check(record_id());
  if (listing) {
    cmd.add_option("--status", o.statuses, "PENDING, IN_PROGRESS, SUCCESS, SKIPPED or FAILED");
    cmd.add_option("--trigger", o.trigger, "scheduled, backfill or manual");
  } else {
    cmd.add_option("--window", o.windows, "the window holding this instant (repeatable)");
    cmd.add_flag("--only-failed", o.only_failed, "only FAILED records");
  }
}

Selection resolve_selection(const config::Config& config, const SelectionOptions& o) {
  Selection s;
  s.zone = time::utc_zone();
  if (!o.pipeline.empty()) {
    s.pipeline = &find_pipeline(config, o.pipeline);
    s.zone = s.pipeline->zone;
    s.records.pipeline = s.pipeline->id;
  }
  if (!o.from.empty()) s.records.from = parse_time_option(o.from, "--from", s.zone);
  if (!o.to.empty()) s.records.to = parse_time_option(o.to, "--to", s.zone);
  if (s.records.from && s.records.to) check_range(*s.records.from, *s.records.to, s.zone);
  for (const auto& text : o.statuses) {
    std::string upper;
    for (char c : text) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const auto status = store::parse_status(upper);
    if (!status) {
      std::string message = "--status: unknown status '" + text + "'";
      if (auto near =
              closest_match(upper, {"PENDING", "IN_PROGRESS", "SUCCESS", "SKIPPED", "FAILED"}))
        message += " (did you mean '" + *near + "'?)";
      throw UsageError(message);
    }
    s.records.statuses.push_back(*status);
  }
  if (o.only_failed) s.records.statuses = {store::Status::failed};
  if (!o.trigger.empty()) {
    s.records.trigger = parse_trigger(o.trigger);
    if (!s.records.trigger)
      throw UsageError("--trigger: '" + o.trigger + "' is not one of scheduled, backfill, manual");
  }
  s.records.ids = o.ids;
  if (!o.windows.empty() && !s.pipeline) throw UsageError("--window needs a pipeline");
  for (const auto& text : o.windows) {
    const Instant at = parse_time_option(text, "--window", s.zone);
    const Instant start = time::floor_boundary(s.pipeline->window, at);
    store::RecordSelection w{.pipeline = s.pipeline->id, .from = start, .to = start + Seconds{1}};
    s.windows.push_back(w);
  }
  return s;
}

void narrow_to_windows(store::Operator& op, Selection& s) {
  if (s.windows.empty()) return;
  std::vector<std::int64_t> ids;
  for (const auto& w : s.windows) {
    auto rows = op.list(w, 1);
    if (!rows) throw Failure(rows.error());
    if (rows->empty())
      throw UsageError("--window: " + s.pipeline->id.value +
                       " has no record of the window starting " +
                       time::format_in_zone(*w.from, s.zone));
    ids.push_back(rows->front().id);
  }
  if (!s.records.ids.empty()) throw UsageError("give --window or --id, not both");
  s.records.ids = ids;
}

}  // namespace sluice::ctl

namespace sluice::ctl {

int run_record_action(Context& ctx, const SelectionOptions& o, const std::string& verb,
                      std::vector<store::Status> acts_on, const RecordAction& act) {
  const auto config = load_pipelines(ctx);
  auto s = resolve_selection(config, o);
  auto connection = open_database(ctx);
  store::Operator op(*connection, operator_identity());
  narrow_to_windows(op, s);
  if (!s.records.statuses.empty()) {
    std::erase_if(acts_on, [&](store::Status a) {
      return std::find(s.records.statuses.begin(), s.records.statuses.end(), a) ==
             s.records.statuses.end();
    });
  }
  store::RecordSelection changed = s.records, all = s.records;
  changed.statuses = acts_on;
  auto will = acts_on.empty() ? Result<std::int64_t>(0) : op.count(changed);
  auto total = op.count(all);
  if (!will || !total) throw Failure(!will ? will.error() : total.error());
  const std::int64_t left = *total - *will;

  if (*will > 0) {
    confirm(ctx, verb + " " + std::to_string(*will) + " record(s) of " + s.records.pipeline->value);
  }
  store::AuditEntry audit{
      .actor = operator_identity(), .command = verb, .pipeline = s.records.pipeline};
  audit.arguments = {{"from", o.from},
                     {"to", o.to},
                     {"window", o.windows},
                     {"id", s.records.ids},
                     {"only_failed", o.only_failed}};
  std::int64_t done = 0;
  if (*will > 0) {
    auto r = act(op, changed, audit);
    if (!r) throw Failure(r.error());
    done = *r;
  }
  if (ctx.output == Output::json) {
    *ctx.out << json_text(nlohmann::json{{"pipeline", s.records.pipeline->value},
                                         {"action", verb},
                                         {"changed", done},
                                         {"left_alone", left}})
             << "\n";
  } else {
    *ctx.out << verb << ": " << done << " record(s) of " << s.records.pipeline->value;
    if (left > 0) *ctx.out << "; " << left << " left alone (running, pending or not selected)";
    *ctx.out << "\n";
  }
  return kExitOk;
}

}  // namespace sluice::ctl
