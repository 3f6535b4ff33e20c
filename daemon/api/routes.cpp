#include "daemon/api/handlers.hpp"

#include <charconv>

#include "daemon/ops/selection.hpp"
#include "framework/config/load.hpp"

namespace sluice::api {

nlohmann::json diagnostics_json(const std::vector<config::Diagnostic>& ds) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& d : ds) {
    nlohmann::json one{{"line", d.where.line}, {"column", d.where.column}, {"message", d.message}};
    if (!d.path.empty()) one["field"] = d.path;
    // A problem found in another pipeline (the definition would break it) says where.
    if (!d.where.file.starts_with(config::kCatalogPrefix) || !d.where.file.ends_with("@new"))
      one["at"] = config::to_string(d.where);
    out.push_back(std::move(one));
  }
  return out;
}

tl::unexpected<Problem> problem_of(const ops::Refusal& r) {
  using Kind = ops::Refusal::Kind;
  switch (r.kind) {
    case Kind::failed: return unavailable(r.error);
    case Kind::not_found:
      return refuse(
          {.status = 404, .detail = r.message, .field = r.field, .suggestion = r.suggestion});
    case Kind::conflict:
      return refuse(
          {.status = 409,
           .detail = r.message,
           .field = r.field,
           .errors = r.problems.empty() ? nlohmann::json() : diagnostics_json(r.problems)});
    case Kind::invalid:
      return refuse({.status = 422, .detail = r.message, .errors = diagnostics_json(r.problems)});
    case Kind::stale:
      return refuse({.status = 412,
                     .detail = r.message,
                     .field = r.field,
                     .headers = {{"ETag", "\"" + std::to_string(r.current) + "\""}}});
    case Kind::bad_input: break;
  }
  return refuse({.status = 400, .detail = r.message, .field = r.field, .suggestion = r.suggestion});
}

Answer<store::Operator> operator_for(Call& call) {
  auto db = call.services.database();
  if (!db) return unavailable(db.error());
  return store::Operator(**db, call.services.host());
}

Answer<std::int64_t> id_param(const Call& call, std::string_view what) {
  const std::string& text = call.params.at("id");
  std::int64_t id = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || ptr != text.data() + text.size() || id <= 0)
    return bad_input(
        "id", "'" + text + "' is not a " + std::string(what) + " id (a whole number from 1)");
  return id;
}

Answer<std::optional<PipelineId>> pipeline_filter(const Call& call, const config::Config& config) {
  auto name = call.query.text("pipeline");
  if (!name) return tl::unexpected(name.error());
  if (!*name) return std::optional<PipelineId>();
  auto p = ops::find_pipeline(config, **name);
  if (!p) return problem_of(p.error());
  return std::optional<PipelineId>((*p)->id);
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
      {"GET", "/metrics", Role::none, metrics, "Prometheus metrics (text exposition)", true},
      {"GET", "/api/v1/openapi.json", Role::none, openapi, "This API's OpenAPI 3.1 document"},
      {"GET", "/api/v1/pipelines", Role::viewer, list_pipelines,
       "Every pipeline: state, last success, lateness, backlog, running, failed, next due"},
      {"GET", "/api/v1/pipelines/{id}", Role::viewer, get_pipeline,
       "One pipeline: its status, redacted config, next fires and windows"},
      {"POST", "/api/v1/pipelines", Role::admin, create_definition,
       "Create a catalog pipeline from a YAML (or JSON) definition: 201, or 422 with every "
       "error at its line and column"},
      {"POST", "/api/v1/pipelines/validate", Role::admin, validate_definition,
       "Check a definition as a create or update would, storing nothing"},
      {"PUT", "/api/v1/pipelines/{id}", Role::admin, update_definition,
       "A catalog pipeline's next version; If-Match: the version it was made from (412 when "
       "another change came first)"},
      {"DELETE", "/api/v1/pipelines/{id}", Role::admin, delete_definition,
       "Delete a catalog pipeline: no new windows, running ones finish, records stay"},
      {"GET", "/api/v1/pipelines/{id}/versions", Role::viewer, list_versions,
       "Every stored version of a pipeline's definition, newest first"},
      {"GET", "/api/v1/pipelines/{id}/versions/{n}", Role::viewer, get_version,
       "One version's text and who stored it"},
      {"POST", "/api/v1/pipelines/{id}/rollback", Role::admin, rollback_definition,
       "The exact text of version `to` as the pipeline's next version"},
      {"POST", "/api/v1/pipelines/{id}/trigger", Role::operator_, trigger_pipeline,
       "Run now: the newest complete window (or the one holding `window`) created or reset "
       "with the manual trigger"},
      {"POST", "/api/v1/pipelines/{id}/pause", Role::operator_, pause_pipeline,
       "Stop claiming the pipeline's windows (running ones finish)"},
      {"POST", "/api/v1/pipelines/{id}/unpause", Role::operator_, unpause_pipeline,
       "Let a paused pipeline run again"},
      {"GET", "/api/v1/pools", Role::viewer, list_pools,
       "Every pool of the daemon file: size, slots in use, running and waiting windows"},
      {"GET", "/api/v1/graph", Role::viewer, get_graph,
       "Pipelines and the tables they read and write: reads, writes, depends_on and lineage"},
      {"GET", "/api/v1/records", Role::viewer, list_records,
       "Records by pipeline, status, window range and trigger, a page at a time"},
      {"POST", "/api/v1/records/rerun", Role::operator_, rerun_records,
       "Finished records of a selection back to PENDING"},
      {"POST", "/api/v1/records/clear", Role::operator_, clear_records,
       "Delete the records of a selection that are not running"},
      {"POST", "/api/v1/records/mark-success", Role::operator_, mark_success_record,
       "Accept a FAILED window as it is: SUCCESS with audit result ACCEPTED"},
      {"GET", "/api/v1/records/{id}", Role::viewer, get_record,
       "Every column of one record, and its events"},
      {"POST", "/api/v1/records/{id}/release", Role::operator_, release_record,
       "Take a running record from its run (PENDING again, attempt counted)"},
      {"POST", "/api/v1/pipelines/{id}/backfills", Role::operator_, request_backfill,
       "Request a backfill of a range of windows (202), or its dry-run plan"},
      {"GET", "/api/v1/backfills", Role::viewer, list_backfills, "Backfill requests, newest first"},
      {"GET", "/api/v1/backfills/{id}", Role::viewer, get_backfill,
       "One backfill request and its progress, read from the records of its range"},
      {"POST", "/api/v1/backfills/{id}/cancel", Role::operator_, cancel_backfill,
       "End an open backfill request; its queued windows that have not started are withdrawn"},
      {"GET", "/api/v1/locks", Role::viewer, list_locks,
       "Running windows: run ID, holder, lease age, stale or not"},
      {"GET", "/api/v1/audit-log", Role::admin, list_audit_log,
       "What operators changed, newest first"},
      {"GET", "/api/v1/connections", Role::admin, list_connections,
       "The daemon file's named connections, secrets redacted"},
      {"POST", "/api/v1/connections/{name}/test", Role::admin, test_connection,
       "Connect and ask something cheap: ok, failed (with the error's kind) or untested"},
      {"POST", "/api/v1/session", Role::none, sign_in,
       "Sign in to the web console: an API token for a session cookie and a CSRF token"},
      {"GET", "/api/v1/session", Role::viewer, get_session,
       "Who the caller is: token name, role, and the session's CSRF token and expiry"},
      {"DELETE", "/api/v1/session", Role::viewer, sign_out, "Sign out of the web console"},
      {"GET", "/api/v1/events", Role::viewer, events,
       "Server-Sent Events: a change to records, backfills or pipelines, as it happens"},
  };
  return table;
}

}  // namespace sluice::api
