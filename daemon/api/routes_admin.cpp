// /api/v1/locks, /api/v1/audit-log and /api/v1/connections: what `sluicectl locks list` and
// `connections test` show, and the audit log the changes of both write.
#include "daemon/api/handlers.hpp"
#include "daemon/ops/connections.hpp"
#include "daemon/ops/views.hpp"

namespace sluice::api {
namespace {

using nlohmann::json;

// Running windows are bounded by the fleet's workers; the limit only guards a runaway table.
constexpr int kMaxLocks = 100'000;

}  // namespace

Answer<Response> list_locks(Call& call) {
  if (auto q = call.query.only({"pipeline"}); !q) return tl::unexpected(q.error());
  const auto config = call.services.config();
  auto pipeline = pipeline_filter(call, *config);
  if (!pipeline) return tl::unexpected(pipeline.error());
  auto op = operator_for(call);
  if (!op) return tl::unexpected(op.error());
  auto rows =
      op->list({.pipeline = *pipeline, .statuses = {store::Status::in_progress}}, kMaxLocks);
  if (!rows) return unavailable(rows.error());
  json out = json::array();
  for (const auto& r : *rows) out.push_back(ops::lock_json(*config, r));
  return json_response(200, {{"locks", out}});
}

Answer<Response> list_audit_log(Call& call) {
  const auto& q = call.query;
  if (auto k = q.only({"pipeline", "actor", "before", "limit"}); !k)
    return tl::unexpected(k.error());
  const auto config = call.services.config();
  auto pipeline = pipeline_filter(call, *config);
  auto actor = q.text("actor");
  auto before = q.integer("before", 1, std::numeric_limits<std::int64_t>::max());
  auto limit = q.integer("limit", 1, 1000);
  if (!pipeline) return tl::unexpected(pipeline.error());
  if (!actor) return tl::unexpected(actor.error());
  if (!before) return tl::unexpected(before.error());
  if (!limit) return tl::unexpected(limit.error());
  auto op = operator_for(call);
  if (!op) return tl::unexpected(op.error());
  const int page = static_cast<int>(limit->value_or(100));
  auto rows =
      op->audit_log({.pipeline = *pipeline, .actor = actor->value_or(""), .before = *before}, page);
  if (!rows) return unavailable(rows.error());
  // The next page is the rows below the last id of a full one.
  using Ordered = nlohmann::ordered_json;
  const Ordered next = static_cast<int>(rows->size()) == page ? rows->back()["id"] : Ordered();
  return ordered_json_response(200, Ordered{{"entries", std::move(*rows)}, {"next_before", next}});
}

Answer<Response> list_connections(Call& call) {
  if (auto q = call.query.only({}); !q) return tl::unexpected(q.error());
  const auto config = call.services.config();
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& c : config->daemon.connections) out.push_back(ops::connection_json(c));
  return ordered_json_response(200, nlohmann::ordered_json{{"connections", std::move(out)}});
}

Answer<Response> test_connection(Call& call) {
  if (auto q = call.query.only({}); !q) return tl::unexpected(q.error());
  const auto config = call.services.config();
  auto c = ops::find_connection(*config, call.params.at("name"));
  if (!c) return problem_of(c.error());
  return json_response(200, ops::test_connection(**c));
}

}  // namespace sluice::api
