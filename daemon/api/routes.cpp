#include "daemon/api/handlers.hpp"

namespace sluice::api {

tl::unexpected<Problem> problem_of(const ops::Refusal& r) {
  using Kind = ops::Refusal::Kind;
  switch (r.kind) {
    case Kind::failed: return unavailable(r.error);
    case Kind::not_found:
      return refuse(
          {.status = 404, .detail = r.message, .field = r.field, .suggestion = r.suggestion});
    case Kind::conflict: return refuse({.status = 409, .detail = r.message, .field = r.field});
    case Kind::bad_input: break;
  }
  return refuse({.status = 400, .detail = r.message, .field = r.field, .suggestion = r.suggestion});
}

Answer<store::Operator> operator_for(Call& call) {
  auto db = call.services.database();
  if (!db) return unavailable(db.error());
  return store::Operator(**db, call.services.host());
}

store::AuditEntry audit_of(const Call& call, std::string command,
                           std::optional<PipelineId> pipeline) {
  return {.actor = call.caller.name,
          .command = std::move(command),
          .pipeline = std::move(pipeline),
          .client = call.request.client};
}

const std::vector<Route>& routes() {
  static const std::vector<Route> table{
      {"GET", "/healthz", Role::none, healthz, "The event loop answers"},
      {"GET", "/readyz", Role::none, readyz, "The database is reachable and its schema current"},
      {"GET", "/metrics", Role::none, metrics, "Prometheus metrics (text exposition)"},
      {"GET", "/api/v1/openapi.json", Role::none, openapi, "This API's OpenAPI 3.1 document"},
      {"GET", "/api/v1/pipelines", Role::viewer, list_pipelines,
       "Every pipeline: state, last success, lateness, backlog, running, failed, next due"},
      {"GET", "/api/v1/pipelines/{id}", Role::viewer, get_pipeline,
       "One pipeline: its status, redacted config, next fires and windows"},
      {"POST", "/api/v1/pipelines/{id}/pause", Role::operator_, pause_pipeline,
       "Stop claiming the pipeline's windows (running ones finish)"},
      {"POST", "/api/v1/pipelines/{id}/unpause", Role::operator_, unpause_pipeline,
       "Let a paused pipeline run again"},
      {"GET", "/api/v1/records", Role::viewer, list_records,
       "Records by pipeline, status, window range and trigger, a page at a time"},
      {"POST", "/api/v1/records/rerun", Role::operator_, rerun_records,
       "Finished records of a selection back to PENDING"},
      {"POST", "/api/v1/records/clear", Role::operator_, clear_records,
       "Delete the records of a selection that are not running"},
      {"GET", "/api/v1/records/{id}", Role::viewer, get_record,
       "Every column of one record, and its events"},
      {"POST", "/api/v1/records/{id}/release", Role::operator_, release_record,
       "Take a running record from its run (PENDING again, attempt counted)"},
  };
  return table;
}

}  // namespace sluice::api
