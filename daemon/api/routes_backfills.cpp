// /api/v1/backfills and /api/v1/pipelines/{id}/backfills: what `sluicectl backfill` and
// `sluicectl backfills` do.
#include "daemon/api/body.hpp"
#include "daemon/api/handlers.hpp"
#include "daemon/ops/backfill.hpp"

namespace sluice::api {
namespace {

using nlohmann::json;

constexpr std::int64_t kMaxListed = 100'000;

Answer<store::Backfills> backfills_for(Call& call) {
  auto db = call.services.database();
  if (!db) return unavailable(db.error());
  return store::Backfills(**db, call.services.host());
}

}  // namespace

Answer<Response> request_backfill(Call& call) {
  if (auto q = call.query.only({}); !q) return tl::unexpected(q.error());
  auto body = Body::parse(call.request, {"from", "to", "reprocess", "dry_run", "limit", "force"});
  if (!body) return tl::unexpected(body.error());
  auto from = body->text("from");
  auto to = body->text("to");
  auto reprocess = body->text("reprocess");
  auto dry_run = body->boolean("dry_run");
  auto listed = body->integer("limit", 0, kMaxListed);
  auto force = body->boolean("force");
  if (!force) return tl::unexpected(force.error());
  for (const auto* a : {&from, &to, &reprocess})
    if (!*a) return tl::unexpected(a->error());
  if (!dry_run) return tl::unexpected(dry_run.error());
  if (!listed) return tl::unexpected(listed.error());
  if (*listed && !dry_run->value_or(false))
    return bad_input("limit", "only with dry_run: true (it bounds the windows listed)");
  const auto config = call.services.config();
  auto order = ops::resolve_backfill(*config,
                                     {.pipeline = call.params.at("id"),
                                      .from = from->value_or(""),
                                      .to = to->value_or(""),
                                      .reprocess = reprocess->value_or("missing"),
                                      .force = force->value_or(false)},
                                     ops::Dialect::api);
  if (!order) return problem_of(order.error());
  auto backfills = backfills_for(call);
  if (!backfills) return tl::unexpected(backfills.error());
  if (dry_run->value_or(false)) {
    const auto n = static_cast<std::size_t>(listed->value_or(100));
    auto plan = ops::dry_run(*backfills, *order, call.services.now(), n);
    if (!plan) return problem_of(plan.error());
    return json_response(200, ops::backfill_plan_json(*order, *plan, n));
  }
  const auto& p = *order->pipeline;
  auto audit = audit_of(call, "backfill", p.id);
  audit.arguments = {{"from", format_utc(order->from)},
                     {"to", format_utc(order->to)},
                     {"reprocess", to_string(order->reprocess)},
                     {"force", order->force}};
  auto id = backfills->insert(
      {p.id, order->from, order->to, order->reprocess, call.caller.name, order->force}, audit);
  if (!id) return unavailable(id.error());
  auto request = backfills->find(*id);
  if (!request) return unavailable(request.error());
  if (!*request) return refuse({.status = 500, .detail = "the request just recorded is gone"});
  auto answer = json_response(202, ops::backfill_request_json(**request, std::nullopt));
  answer.headers.emplace_back("Location", "/api/v1/backfills/" + std::to_string(*id));
  return answer;
}

Answer<Response> list_backfills(Call& call) {
  const auto& q = call.query;
  if (auto k = q.only({"pipeline", "open", "limit"}); !k) return tl::unexpected(k.error());
  const auto config = call.services.config();
  auto only = pipeline_filter(call, *config);
  auto open = q.boolean("open");
  auto limit = q.integer("limit", 1, 1000);
  if (!only) return tl::unexpected(only.error());
  if (!open) return tl::unexpected(open.error());
  if (!limit) return tl::unexpected(limit.error());
  auto backfills = backfills_for(call);
  if (!backfills) return tl::unexpected(backfills.error());
  auto list = backfills->list(*only, open->value_or(false), static_cast<int>(limit->value_or(100)));
  if (!list) return unavailable(list.error());
  json out = json::array();
  for (const auto& r : *list) out.push_back(ops::backfill_request_json(r, std::nullopt));
  return json_response(200, {{"backfills", out}});
}

Answer<Response> get_backfill(Call& call) {
  if (auto q = call.query.only({}); !q) return tl::unexpected(q.error());
  auto id = id_param(call, "backfill request");
  if (!id) return tl::unexpected(id.error());
  auto backfills = backfills_for(call);
  if (!backfills) return tl::unexpected(backfills.error());
  auto found = backfills->find(*id);
  if (!found) return unavailable(found.error());
  if (!*found)
    return refuse(
        {.status = 404, .detail = "no backfill request " + std::to_string(*id), .field = "id"});
  auto progress = backfills->progress(*id);
  if (!progress) return unavailable(progress.error());
  return json_response(200, ops::backfill_request_json(**found, *progress));
}

Answer<Response> cancel_backfill(Call& call) {
  if (auto q = call.query.only({}); !q) return tl::unexpected(q.error());
  auto body = Body::parse(call.request, {"reason"}, true);
  if (!body) return tl::unexpected(body.error());
  auto reason = body->text("reason");
  if (!reason) return tl::unexpected(reason.error());
  auto id = id_param(call, "backfill request");
  if (!id) return tl::unexpected(id.error());
  auto backfills = backfills_for(call);
  if (!backfills) return tl::unexpected(backfills.error());
  auto audit = audit_of(call, "backfills cancel");
  audit.message = reason->value_or("");
  auto done = ops::cancel_backfill(*backfills, *id, audit);
  if (!done) return problem_of(done.error());
  return json_response(200, *done);
}

}  // namespace sluice::api
