#include "daemon/ops/selection.hpp"

#include <algorithm>
#include <cctype>

#include "framework/config/load.hpp"
#include "framework/core/suggest.hpp"
#include "framework/time/window_generator.hpp"

namespace sluice::ops {

using Kind = Refusal::Kind;

Outcome<const config::PipelineConfig*> find_pipeline(const config::Config& config,
                                                     std::string_view id) {
  if (const auto* p = config.find_pipeline(id)) return p;
  if (const auto* q = config.find_quarantined(id))
    return refused(Kind::not_found, "pipeline",
                   "pipeline '" + std::string(id) + "' is not loaded: " +
                       config::config_error_text(*q) + " (see `sluicectl validate`)");
  std::vector<std::string_view> ids;
  ids.reserve(config.pipelines.size());
  for (const auto& p : config.pipelines) ids.push_back(p.id.value);
  std::string message = "unknown pipeline '" + std::string(id) + "'";
  const auto near = closest_match(id, ids);
  if (near) message += " (did you mean '" + *near + "'?)";
  message += "; pipelines:";
  for (auto i : ids) message += " " + std::string(i);
  return refused(Kind::not_found, "pipeline", message, near.value_or(""));
}

namespace {

// A tag as the operator typed it, fit for a one-line message: control bytes as \xNN.
std::string tag_shown(std::string_view tag) {
  std::string out;
  for (char c : tag) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[b >> 4];
      out += kHex[b & 15];
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

Outcome<std::vector<const config::PipelineConfig*>> tagged_pipelines(
    const config::Config& config, const std::vector<std::string>& tags, Dialect d) {
  std::vector<std::string_view> known;
  for (const auto& p : config.pipelines)
    for (const auto& t : p.tags)
      if (std::find(known.begin(), known.end(), t) == known.end()) known.push_back(t);
  for (const auto& tag : tags) {
    if (std::find(known.begin(), known.end(), tag) != known.end()) continue;
    std::string message = spell(d, "tag") + ": no pipeline has the tag '" + tag_shown(tag) + "'";
    const auto near = closest_match(tag, known);
    if (near) message += " (did you mean '" + *near + "'?)";
    std::vector<std::string_view> sorted = known;
    std::sort(sorted.begin(), sorted.end());
    if (sorted.empty())
      message += "; no pipeline has tags";
    else
      message += "; tags:";
    for (auto t : sorted) message += " " + tag_shown(t);
    return refused(Kind::bad_input, "tag", message, near.value_or(""));
  }
  std::vector<const config::PipelineConfig*> out;
  for (const auto& p : config.pipelines)
    if (std::any_of(tags.begin(), tags.end(), [&](const std::string& t) {
          return std::find(p.tags.begin(), p.tags.end(), t) != p.tags.end();
        }))
      out.push_back(&p);
  return out;
}

Outcome<Instant> parse_time(const std::string& text, std::string_view field, time::Zone zone,
                            Dialect d) {
  auto parsed = time::parse_instant(text, zone);
  if (!parsed)
    return refused(Kind::bad_input, std::string(field), spell(d, field) + ": " + parsed.error());
  return *parsed;
}

Outcome<void> check_range(Instant from, Instant to, time::Zone zone, Dialect d) {
  if (to > from) return {};
  return refused(Kind::bad_input, "to",
                 spell(d, "to") + " (" + time::format_in_zone(to, zone) + ") must be after " +
                     spell(d, "from") + " (" + time::format_in_zone(from, zone) + ")");
}

namespace {

Outcome<store::Status> parse_status_text(const std::string& text, Dialect d) {
  std::string upper;
  for (char c : text) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (const auto status = store::parse_status(upper)) return *status;
  std::string message = spell(d, "status") + ": unknown status '" + text + "'";
  const auto near =
      closest_match(upper, {"PENDING", "IN_PROGRESS", "SUCCESS", "SKIPPED", "FAILED"});
  if (near) message += " (did you mean '" + *near + "'?)";
  return refused(Kind::bad_input, "status", message, near.value_or(""));
}

}  // namespace

Outcome<Selection> resolve_selection(const config::Config& config, const SelectionInput& in,
                                     Dialect d) {
  Selection s;
  s.zone = time::utc_zone();
  if (!in.pipeline.empty()) {
    auto p = find_pipeline(config, in.pipeline);
    if (!p) return tl::unexpected(p.error());
    s.pipeline = *p;
    s.zone = s.pipeline->zone;
    s.records.pipeline = s.pipeline->id;
  }
  for (auto [text, field, into] :
       {std::tuple{&in.from, "from", &s.records.from}, std::tuple{&in.to, "to", &s.records.to}}) {
    if (text->empty()) continue;
    auto t = parse_time(*text, field, s.zone, d);
    if (!t) return tl::unexpected(t.error());
    *into = *t;
  }
  if (s.records.from && s.records.to) {
    if (auto r = check_range(*s.records.from, *s.records.to, s.zone, d); !r)
      return tl::unexpected(r.error());
  }
  for (const auto& text : in.statuses) {
    auto status = parse_status_text(text, d);
    if (!status) return tl::unexpected(status.error());
    s.records.statuses.push_back(*status);
  }
  if (in.only_failed) s.records.statuses = {store::Status::failed};
  if (!in.trigger.empty()) {
    s.records.trigger = parse_trigger(in.trigger);
    if (!s.records.trigger)
      return refused(
          Kind::bad_input, "trigger",
          spell(d, "trigger") + ": '" + in.trigger + "' is not one of scheduled, backfill, manual");
  }
  s.records.ids = in.ids;
  if (!in.tags.empty()) {
    auto tagged = tagged_pipelines(config, in.tags, d);
    if (!tagged) return tl::unexpected(tagged.error());
    s.records.pipelines.emplace();
    for (const auto* p : *tagged) s.records.pipelines->push_back(p->id.value);
  }
  if (!in.windows.empty() && !s.pipeline)
    return refused(Kind::bad_input, "window", spell(d, "window") + " needs a pipeline");
  for (const auto& text : in.windows) {
    auto at = parse_time(text, "window", s.zone, d);
    if (!at) return tl::unexpected(at.error());
    const Instant start = time::floor_boundary(s.pipeline->window, *at);
    s.windows.push_back(store::RecordSelection{
        .pipeline = s.pipeline->id, .from = start, .to = start + Seconds{1}});
  }
  return s;
}

Outcome<void> narrow_to_windows(store::Operator& op, Selection& s, Dialect d) {
  if (s.windows.empty()) return {};
  if (!s.records.ids.empty())
    return refused(Kind::bad_input, "window",
                   "give " + spell(d, "window") + " or " + spell(d, "id") + ", not both");
  std::vector<std::int64_t> ids;
  for (const auto& w : s.windows) {
    auto rows = op.list(w, 1);
    if (!rows) return store_failed(rows.error());
    if (rows->empty())
      return refused(Kind::not_found, "window",
                     spell(d, "window") + ": " + s.pipeline->id.value +
                         " has no record of the window starting " +
                         time::format_in_zone(*w.from, s.zone));
    ids.push_back(rows->front().id);
  }
  s.records.ids = ids;
  return {};
}

Outcome<ActionPlan> plan_action(store::Operator& op, const Selection& s,
                                std::vector<store::Status> acts_on) {
  if (!s.records.statuses.empty()) {
    std::erase_if(acts_on, [&](store::Status a) {
      return std::find(s.records.statuses.begin(), s.records.statuses.end(), a) ==
             s.records.statuses.end();
    });
  }
  ActionPlan plan{.changed = s.records};
  plan.changed.statuses = acts_on;
  auto will = acts_on.empty() ? Result<std::int64_t>(0) : op.count(plan.changed);
  if (!will) return store_failed(will.error());
  auto total = op.count(s.records);
  if (!total) return store_failed(total.error());
  plan.will_change = *will;
  plan.left_alone = *total - *will;
  return plan;
}

}  // namespace sluice::ops
