#include "daemon/ops/views.hpp"

#include <algorithm>
#include <string_view>
#include <unordered_map>

#include "framework/time/duration.hpp"
#include "framework/time/window_generator.hpp"
#include "framework/time/zone.hpp"

namespace sluice::ops {

using nlohmann::json;

namespace {

template <class T>
json or_null(const std::optional<T>& v) {
  return v ? json(*v) : json();
}
json time_or_null(const std::optional<Instant>& t, time::Zone zone) {
  return t ? json(time::format_in_zone(*t, zone)) : json();
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  const bool plain = std::all_of(text.begin(), text.end(), [](char c) {
    return static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f &&
           c != '"' && c != '\\';
  });
  if (plain) {
    out += '"';
    out += text;
    out += '"';
    return;
  }
  // Escapes and bytes that are not UTF-8 (replaced by U+FFFD), as every other answer has them.
  out += json(std::string(text)).dump(-1, ' ', false, json::error_handler_t::replace);
}

namespace {

void append_member(std::string& out, std::string_view key) {
  if (out.back() != '{') out += ',';
  out += '"';
  out += key;
  out += "\":";
}
void append_text_or_null(std::string& out, std::string_view key, const std::string& value) {
  append_member(out, key);
  if (value.empty()) {
    out += "null";
  } else {
    append_json_string(out, value);
  }
}
void append_number_or_null(std::string& out, std::string_view key,
                           std::optional<std::int64_t> value) {
  append_member(out, key);
  out += value ? std::to_string(*value) : "null";
}

}  // namespace

// Keys in nlohmann::json's (alphabetical) order, so the text is what json's dump would write.
void append_record_row_json(std::string& out, const store::RecordRow& r) {
  out += '{';
  append_text_or_null(out, "audit_result", r.audit_result);
  append_text_or_null(out, "dag_run_id", r.run);
  append_member(out, "duration_seconds");
  // A double as nlohmann writes it (3.0, not 3): the same text as every other answer.
  out += r.duration_seconds ? json(*r.duration_seconds).dump() : std::string("null");
  append_text_or_null(out, "error_message", r.error);
  append_number_or_null(out, "id", r.id);
  append_text_or_null(out, "locked_by", r.locked_by);
  append_text_or_null(out, "phase_completed", r.phase);
  append_member(out, "pipeline");
  append_json_string(out, r.pipeline);
  append_number_or_null(out, "retry_attempt", r.retry_attempt);
  append_number_or_null(out, "source_count", r.source_count);
  append_member(out, "status");
  append_json_string(out, r.status);
  append_number_or_null(out, "target_count", r.target_count);
  append_member(out, "trigger");
  append_json_string(out, r.trigger);
  append_text_or_null(out, "waiting_on", r.waiting_on);
  append_member(out, "window_end");
  append_json_string(out, format_utc(r.window_end));
  append_member(out, "window_start");
  append_json_string(out, format_utc(r.window_start));
  out += '}';
}

json record_row_json(const store::RecordRow& r) {
  std::string text;
  append_record_row_json(text, r);
  return json::parse(text);
}

nlohmann::ordered_json record_detail_json(const store::RecordDetail& d) {
  nlohmann::ordered_json out = d.record;
  out["waiting_on"] = d.waiting_on ? nlohmann::ordered_json(*d.waiting_on) : nullptr;
  out["definition"] = d.definition;
  out["events"] = d.events;
  out["checks"] = d.checks;
  return out;
}

std::optional<Instant> next_due(const time::WindowSpec& spec, std::optional<Instant> last_end) {
  Instant start = last_end ? std::max(*last_end, spec.start) : spec.start;
  if (time::floor_boundary(spec, start) != start) start = time::next_boundary(spec, start);
  const Instant end = time::next_boundary(spec, start);
  if (spec.end && end > *spec.end) return std::nullopt;
  return time::add(end, spec.x_time_back);
}

std::vector<std::string> may_wait(const config::Config& config) {
  std::vector<std::string> out;
  for (const auto& p : config.pipelines)
    if (!p.depends_on.empty() || p.run_if) out.push_back(p.id.value);
  for (const auto& q : config.quarantined) out.push_back(q.pipeline.value);
  return out;
}

std::vector<PipelineStatus> pipeline_statuses(const config::Config& config,
                                              std::vector<store::PipelineCounts> counts,
                                              Instant now) {
  std::vector<PipelineStatus> out;
  out.reserve(counts.size());
  // Indexed once: a linear find per pipeline is 10^8 comparisons with 10,000 pipelines, at
  // every metrics refresh of an idle daemon.
  const auto by_id = config::index_pipelines(config);
  for (auto& c : counts) {
    // A quarantined file with no definition: its id's records, no schedule.
    for (const auto& q : config.quarantined)
      if (!q.kept_previous && q.pipeline.value == c.pipeline)
        out.push_back(
            {.counts = c, .paused = c.paused, .config_error = &q, .zone = config.daemon.timezone});
    const auto found = by_id.find(c.pipeline);
    if (found == by_id.end()) continue;  // records of a pipeline no longer configured
    const auto* p = found->second;
    PipelineStatus s{.pipeline = p, .counts = std::move(c), .zone = p->zone};
    s.paused = s.counts.paused || p->paused;
    s.next_due = next_due(p->window, s.counts.last_generated_end);
    if (s.counts.last_success_end) {
      const Instant due_by = time::add(*s.counts.last_success_end, p->window.x_time_back);
      s.lateness = std::max(Seconds{0}, std::chrono::duration_cast<Seconds>(now - due_by));
    }
    for (const auto& q : config.quarantined)
      if (q.kept_previous && q.pipeline == p->id) s.config_error = &q;
    out.push_back(std::move(s));
  }
  return out;
}

json config_error_json(const config::Quarantined& q) {
  return {{"file", q.error.where.file},     {"line", q.error.where.line},
          {"column", q.error.where.column}, {"path", q.error.path},
          {"message", q.error.message},     {"running_previous_definition", q.kept_previous}};
}

json pipeline_status_json(const PipelineStatus& s) {
  const auto zone = s.zone;
  const std::string state = s.config_error ? "config_error" : s.paused ? "paused" : "active";
  return {{"pipeline", s.counts.pipeline},
          {"state", state},
          {"paused", s.paused},
          {"last_success", time_or_null(s.counts.last_success_end, zone)},
          {"lateness_seconds", s.lateness ? json(s.lateness->count()) : json()},
          {"backlog", s.counts.pending},
          {"running", s.counts.running},
          {"failed", s.counts.failed},
          {"succeeded", s.counts.success + s.counts.skipped},
          {"next_due", time_or_null(s.next_due, zone)},
          {"tags", s.pipeline ? s.pipeline->tags : std::vector<std::string>{}},
          {"timezone", zone->name()},
          {"description", s.pipeline ? s.pipeline->description : std::string()},
          {"config_error", s.config_error ? config_error_json(*s.config_error) : json()},
          {"waiting_on", s.counts.waiting_on.empty() ? json() : json(s.counts.waiting_on)},
          {"pool", s.pipeline && !s.pipeline->pool.empty()
                       ? json{{"name", s.pipeline->pool}, {"slots", s.pipeline->pool_slots}}
                       : json()},
          {"priority", s.pipeline ? s.pipeline->priority : 0}};
}

json lock_json(const config::Config& config, const store::RecordRow& r) {
  const auto* p = config.find_pipeline(r.pipeline);
  const auto threshold = p ? p->stale_threshold.fixed : store::StaleLimit{}.threshold;
  const auto age = r.lease_age_seconds.value_or(0);
  return {{"id", r.id},
          {"pipeline", r.pipeline},
          {"window_start", format_utc(r.window_start)},
          {"dag_run_id", r.run},
          {"locked_by", r.locked_by},
          {"lease_age_seconds", age},
          {"stale", age > threshold.count()}};
}

}  // namespace sluice::ops
