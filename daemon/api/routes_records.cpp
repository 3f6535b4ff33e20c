// /api/v1/records: what `sluicectl records`, `rerun`, `clear`, `mark-success` and
// `locks release` do.
#include <charconv>

#include "daemon/api/body.hpp"
#include "daemon/api/handlers.hpp"
#include "daemon/ops/accept.hpp"
#include "daemon/ops/downstream.hpp"
#include "daemon/ops/selection.hpp"
#include "daemon/ops/views.hpp"

namespace sluice::api {
namespace {

using nlohmann::json;

constexpr std::int64_t kMaxId = std::numeric_limits<std::int64_t>::max();

// The cursor is opaque to clients: hex of `<window start epoch>:<pipeline>` of the last
// record of the page.
std::string cursor_of(const store::RecordRow& r) {
  static constexpr char kHex[] = "0123456789abcdef";
  const std::string key =
      std::to_string(r.window_start.time_since_epoch().count()) + ":" + r.pipeline;
  std::string out;
  for (unsigned char c : key) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

Answer<store::RecordKey> parse_cursor(const std::string& text) {
  const auto bad = [] { return bad_input("cursor", "not a cursor this API gave out"); };
  if (text.size() % 2 != 0 || text.size() > 512) return bad();
  std::string key;
  for (std::size_t i = 0; i < text.size(); i += 2) {
    int byte = 0;
    const auto [ptr, ec] = std::from_chars(text.data() + i, text.data() + i + 2, byte, 16);
    if (ec != std::errc() || ptr != text.data() + i + 2) return bad();
    key += static_cast<char>(byte);
  }
  const auto colon = key.find(':');
  std::int64_t epoch = 0;
  if (colon == std::string::npos) return bad();
  const auto [ptr, ec] = std::from_chars(key.data(), key.data() + colon, epoch);
  if (ec != std::errc() || ptr != key.data() + colon || colon + 1 >= key.size()) return bad();
  return store::RecordKey{key.substr(colon + 1), Instant{Seconds{epoch}}};
}

using RecordAct = std::function<Result<std::int64_t>(
    store::Operator&, const store::RecordSelection&, const store::AuditEntry&, bool force)>;

// rerun and clear: the selection from the body, counted, changed, audited. `forceable`: the
// body may say `"force": true` (rerun), passed to `act`.
Answer<Response> record_action(Call& call, const std::string& verb,
                               const std::vector<store::Status>& acts_on, bool forceable,
                               const RecordAct& act) {
  if (auto q = call.query.only({}); !q) return tl::unexpected(q.error());
  auto body = forceable ? Body::parse(call.request, {"pipeline", "from", "to", "window", "id",
                                                     "only_failed", "force", "downstream"})
                        : Body::parse(call.request,
                                      {"pipeline", "from", "to", "window", "id", "only_failed"});
  if (!body) return tl::unexpected(body.error());
  auto force = body->boolean("force");
  if (!force) return tl::unexpected(force.error());
  auto downstream = body->boolean("downstream");
  if (!downstream) return tl::unexpected(downstream.error());
  ops::SelectionInput in;
  auto pipeline = body->text("pipeline");
  auto from = body->text("from");
  auto to = body->text("to");
  auto windows = body->texts("window");
  auto ids = body->integers("id", 1, kMaxId);
  auto only_failed = body->boolean("only_failed");
  if (!pipeline) return tl::unexpected(pipeline.error());
  if (!from) return tl::unexpected(from.error());
  if (!to) return tl::unexpected(to.error());
  if (!windows) return tl::unexpected(windows.error());
  if (!ids) return tl::unexpected(ids.error());
  if (!only_failed) return tl::unexpected(only_failed.error());
  if (!*pipeline || (*pipeline)->empty()) return bad_input("pipeline", "required");
  in.pipeline = **pipeline;
  in.from = from->value_or("");
  in.to = to->value_or("");
  in.windows = *windows;
  in.ids = *ids;
  in.only_failed = only_failed->value_or(false);

  const auto config = call.services.config();
  auto s = ops::resolve_selection(*config, in, ops::Dialect::api);
  if (!s) return problem_of(s.error());
  auto op = operator_for(call);
  if (!op) return tl::unexpected(op.error());
  if (auto n = ops::narrow_to_windows(*op, *s, ops::Dialect::api); !n) return problem_of(n.error());
  const bool below = downstream->value_or(false);
  auto steps = ops::plan_steps(*op, *config, *s, acts_on, below);
  if (!steps) return problem_of(steps.error());
  json results = json::array();
  for (const auto& step : *steps) {
    auto audit = audit_of(call, verb, PipelineId{step.pipeline});
    audit.arguments = {{"from", in.from},
                       {"to", in.to},
                       {"window", in.windows},
                       {"id", s->records.ids},
                       {"only_failed", in.only_failed}};
    if (forceable) audit.arguments["force"] = force->value_or(false);
    if (below) audit.arguments["downstream"] = true;
    if (step.pipeline != steps->front().pipeline)
      audit.arguments["downstream_of"] = steps->front().pipeline;
    std::int64_t done = 0;
    if (step.plan.will_change > 0) {
      auto r = act(*op, step.plan.changed, audit, force->value_or(false));
      if (!r) return unavailable(r.error());
      done = *r;
    }
    results.push_back({{"pipeline", step.pipeline},
                       {"action", verb},
                       {"changed", done},
                       {"left_alone", step.plan.left_alone + step.plan.will_change - done}});
  }
  if (!below) return json_response(200, results.front());
  json out = results.front();
  results.erase(results.begin());
  out["downstream"] = std::move(results);
  return json_response(200, out);
}

}  // namespace

Answer<Response> list_records(Call& call) {
  const auto& q = call.query;
  if (auto k = q.only({"pipeline", "status", "from", "to", "trigger", "limit", "cursor", "order"});
      !k)
    return tl::unexpected(k.error());
  auto order = q.text("order");
  if (!order) return tl::unexpected(order.error());
  const std::string order_text = order->value_or("oldest");
  if (order_text != "oldest" && order_text != "newest")
    return bad_input("order", "'" + order_text + "' is not an order: oldest or newest");
  ops::SelectionInput in;
  auto pipeline = q.text("pipeline");
  auto from = q.text("from");
  auto to = q.text("to");
  auto trigger = q.text("trigger");
  auto limit = q.integer("limit", 1, 1000);
  auto cursor = q.text("cursor");
  for (const auto* a : {&pipeline, &from, &to, &trigger, &cursor})
    if (!*a) return tl::unexpected(a->error());
  if (!limit) return tl::unexpected(limit.error());
  in.pipeline = pipeline->value_or("");
  in.from = from->value_or("");
  in.to = to->value_or("");
  in.trigger = trigger->value_or("");
  in.statuses = q.list("status");
  const auto config = call.services.config();
  auto s = ops::resolve_selection(*config, in, ops::Dialect::api);
  if (!s) return problem_of(s.error());
  s->records.newest_first = order_text == "newest";
  if (*cursor) {
    auto after = parse_cursor(**cursor);
    if (!after) return tl::unexpected(after.error());
    s->records.after = *after;
  }
  const int page = static_cast<int>(limit->value_or(100));
  auto op = operator_for(call);
  if (!op) return tl::unexpected(op.error());
  auto rows = op->list(s->records, page + 1);
  if (!rows) return unavailable(rows.error());
  const bool more = static_cast<int>(rows->size()) > page;
  if (more) rows->pop_back();
  // Written as text: the hottest answer of the API, and a json value per row costs more than
  // the query (what json would write: members in order, next_cursor first).
  Response out;
  out.body.reserve(rows->size() * 400 + 64);
  out.body = "{\"next_cursor\":";
  out.body += more ? "\"" + cursor_of(rows->back()) + "\"" : std::string("null");
  out.body += ",\"records\":[";
  for (std::size_t i = 0; i < rows->size(); ++i) {
    if (i > 0) out.body += ',';
    ops::append_record_row_json(out.body, (*rows)[i]);
  }
  out.body += "]}";
  return out;
}

Answer<Response> get_record(Call& call) {
  if (auto q = call.query.only({}); !q) return tl::unexpected(q.error());
  auto id = id_param(call, "record");
  if (!id) return tl::unexpected(id.error());
  auto op = operator_for(call);
  if (!op) return tl::unexpected(op.error());
  auto detail = op->show(*id);
  if (!detail) return unavailable(detail.error());
  if (!*detail)
    return refuse({.status = 404, .detail = "no record " + std::to_string(*id), .field = "id"});
  return ordered_json_response(200, ops::record_detail_json(**detail));
}

Answer<Response> rerun_records(Call& call) {
  using enum store::Status;
  return record_action(
      call, "rerun", {success, skipped, failed}, true,
      [](store::Operator& op, const store::RecordSelection& s, const store::AuditEntry& audit,
         bool force) { return op.rerun(s, Trigger::manual, audit, force); });
}

Answer<Response> clear_records(Call& call) {
  using enum store::Status;
  return record_action(call, "clear", {pending, success, skipped, failed}, false,
                       [](store::Operator& op, const store::RecordSelection& s,
                          const store::AuditEntry& audit, bool) { return op.clear(s, audit); });
}

Answer<Response> mark_success_record(Call& call) {
  if (auto q = call.query.only({}); !q) return tl::unexpected(q.error());
  auto body = Body::parse(call.request, {"pipeline", "window", "reason"});
  if (!body) return tl::unexpected(body.error());
  auto pipeline = body->text("pipeline");
  auto window = body->text("window");
  auto reason = body->text("reason");
  for (const auto* a : {&pipeline, &window, &reason})
    if (!*a) return tl::unexpected(a->error());
  if (!*pipeline || (*pipeline)->empty()) return bad_input("pipeline", "required");
  const auto config = call.services.config();
  auto order = ops::resolve_accept(
      *config,
      {.pipeline = **pipeline, .window = window->value_or(""), .reason = reason->value_or("")},
      ops::Dialect::api);
  if (!order) return problem_of(order.error());
  auto op = operator_for(call);
  if (!op) return tl::unexpected(op.error());
  auto done = ops::mark_success(*op, *order, audit_of(call, "mark-success"));
  if (!done) return problem_of(done.error());
  return json_response(200, ops::accepted_json(*done));
}

Answer<Response> release_record(Call& call) {
  if (auto q = call.query.only({}); !q) return tl::unexpected(q.error());
  auto body = Body::parse(call.request, {"reason"}, true);
  if (!body) return tl::unexpected(body.error());
  auto reason = body->text("reason");
  if (!reason) return tl::unexpected(reason.error());
  auto id = id_param(call, "record");
  if (!id) return tl::unexpected(id.error());
  auto op = operator_for(call);
  if (!op) return tl::unexpected(op.error());
  auto rows = op->list(store::RecordSelection{.ids = {*id}}, 1);
  if (!rows) return unavailable(rows.error());
  if (rows->empty())
    return refuse({.status = 404, .detail = "no record " + std::to_string(*id), .field = "id"});
  const auto& row = rows->front();
  if (row.status != "IN_PROGRESS")
    return refuse({.status = 409,
                   .detail = "record " + std::to_string(*id) + " is " + row.status +
                             ", not locked; nothing was changed"});
  auto audit = audit_of(call, "locks release", PipelineId{row.pipeline});
  audit.arguments = {{"id", {*id}}};
  audit.message = reason->value_or("");
  auto n = op->release(
      store::RecordSelection{.ids = {*id}, .statuses = {store::Status::in_progress}}, audit);
  if (!n) return unavailable(n.error());
  return json_response(200, {{"id", *id}, {"pipeline", row.pipeline}, {"released", *n}});
}

}  // namespace sluice::api
