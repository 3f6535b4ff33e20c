// /api/v1/pipelines: what `sluicectl status`, `config show`, `cron` and `pause` say; and
// /api/v1/graph, what `sluicectl graph -o json` says.
#include <algorithm>
#include <unordered_map>

#include "daemon/api/body.hpp"
#include "daemon/api/handlers.hpp"
#include "daemon/ops/graph_view.hpp"
#include "daemon/ops/selection.hpp"
#include "daemon/ops/views.hpp"
#include "framework/config/show.hpp"
#include "framework/time/preview.hpp"

namespace sluice::api {
namespace {

using nlohmann::json;

constexpr std::size_t kPreviewCount = 5;
constexpr std::int64_t kMaxRecent = 100;

Answer<std::vector<ops::PipelineStatus>> statuses(Call& call, const config::Config& config,
                                                  const std::vector<std::string>& ids) {
  auto op = operator_for(call);
  if (!op) return tl::unexpected(op.error());
  auto counts = op->counts(ids, ops::may_wait(config));
  if (!counts) return unavailable(counts.error());
  return ops::pipeline_statuses(config, std::move(*counts), call.services.now());
}

Answer<const config::PipelineConfig*> pipeline_of(const Call& call, const config::Config& config) {
  auto p = ops::find_pipeline(config, call.params.at("id"));
  if (!p) return problem_of(p.error());
  return *p;
}

Answer<Response> set_paused(Call& call, bool paused) {
  if (auto q = call.query.only({}); !q) return tl::unexpected(q.error());
  // An optional reason, kept in the audit log.
  auto body = Body::parse(call.request, {"reason"}, true);
  if (!body) return tl::unexpected(body.error());
  auto reason = body->text("reason");
  if (!reason) return tl::unexpected(reason.error());
  const auto config = call.services.config();
  auto p = pipeline_of(call, *config);
  if (!p) return tl::unexpected(p.error());
  auto op = operator_for(call);
  if (!op) return tl::unexpected(op.error());
  auto audit = audit_of(call, paused ? "pause" : "unpause", (*p)->id);
  audit.message = reason->value_or("");
  auto changed = op->set_paused((*p)->id, paused, audit);
  if (!changed) return unavailable(changed.error());
  return json_response(200,
                       {{"pipeline", (*p)->id.value}, {"paused", paused}, {"changed", *changed}});
}

}  // namespace

Answer<Response> list_pipelines(Call& call) {
  if (auto q = call.query.only({"tag", "recent"}); !q) return tl::unexpected(q.error());
  const auto tags = call.query.list("tag");
  auto recent = call.query.integer("recent", 1, kMaxRecent);
  if (!recent) return tl::unexpected(recent.error());
  const auto config = call.services.config();
  std::vector<std::string> ids;
  for (const auto& p : config->pipelines) {
    const bool tagged = tags.empty() || std::any_of(tags.begin(), tags.end(), [&](const auto& t) {
                          return std::find(p.tags.begin(), p.tags.end(), t) != p.tags.end();
                        });
    if (tagged) ids.push_back(p.id.value);
  }
  // A pipeline file with errors has no tags: listed when no tag is asked for.
  if (tags.empty())
    for (const auto& q : config->quarantined) ids.push_back(q.pipeline.value);
  auto list = statuses(call, *config, ids);
  if (!list) return tl::unexpected(list.error());
  json out = json::array();
  for (const auto& s : *list) out.push_back(ops::pipeline_status_json(s));
  if (*recent) {
    auto op = operator_for(call);
    if (!op) return tl::unexpected(op.error());
    auto windows = op->recent(ids, static_cast<int>(**recent));
    if (!windows) return unavailable(windows.error());
    std::unordered_map<std::string, json> strips;
    for (const auto& w : *windows)
      strips[w.pipeline].push_back(
          {{"id", w.id}, {"window_start", format_utc(w.window_start)}, {"status", w.status}});
    for (auto& p : out) {
      auto found = strips.find(p["pipeline"].get_ref<const std::string&>());
      p["recent"] = found == strips.end() ? json::array() : std::move(found->second);
    }
  }
  return json_response(200, {{"pipelines", out}});
}

// A quarantined pipeline with no definition loaded: its status row, nothing scheduled.
Answer<Response> get_quarantined(Call& call, const config::Config& config, const std::string& id) {
  auto list = statuses(call, config, {id});
  if (!list) return tl::unexpected(list.error());
  for (const auto& s : *list) {
    if (s.pipeline) continue;
    json out = ops::pipeline_status_json(s);
    out["config"] = json();
    out["next_fires"] = json::array();
    out["next_windows"] = json::array();
    return json_response(200, out);
  }
  return refuse({.status = 500, .detail = "no counts for " + id});
}

Answer<Response> get_pipeline(Call& call) {
  if (auto q = call.query.only({}); !q) return tl::unexpected(q.error());
  const auto config = call.services.config();
  const auto& id = call.params.at("id");
  if (!config->find_pipeline(id) && config->find_quarantined(id))
    return get_quarantined(call, *config, id);
  auto p = pipeline_of(call, *config);
  if (!p) return tl::unexpected(p.error());
  const auto& pipeline = **p;
  auto list = statuses(call, *config, {pipeline.id.value});
  if (!list) return tl::unexpected(list.error());
  if (list->empty()) return refuse({.status = 500, .detail = "no counts for " + pipeline.id.value});
  const auto& status = list->front();
  const Instant now = call.services.now();

  const auto fires = time::next_fires(pipeline.cron, pipeline.zone, now, kPreviewCount);
  const Instant from = std::max(status.counts.last_generated_end.value_or(pipeline.window.start),
                                pipeline.window.start);
  const Instant to = pipeline.window.end.value_or(Instant::max());
  const auto windows = from < to
                           ? time::preview_windows(pipeline.window, from, to, now, kPreviewCount)
                           : std::vector<time::WindowPreviewRow>{};
  json out = ops::pipeline_status_json(status);
  out["config"] = config::pipeline_config_json(pipeline);
  out["next_fires"] = time::fires_json(fires, pipeline.zone);
  out["next_windows"] = time::window_preview_json(windows, pipeline.zone);
  return json_response(200, out);
}

// From the daemon's config alone: no database connection is taken.
Answer<Response> get_graph(Call& call) {
  if (auto q = call.query.only({}); !q) return tl::unexpected(q.error());
  const auto config = call.services.config();
  return ordered_json_response(200, ops::graph_json(ops::graph_view(*config)));
}

Answer<Response> pause_pipeline(Call& call) {
  return set_paused(call, true);
}
Answer<Response> unpause_pipeline(Call& call) {
  return set_paused(call, false);
}

}  // namespace sluice::api
