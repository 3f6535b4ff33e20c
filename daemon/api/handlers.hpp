#pragma once
// The routes' handlers (one file per resource: routes_pipelines.cpp, routes_records.cpp,
// routes_health.cpp) and what they share. No SQL here: the store's Operator and the ops
// shared with sluicectl do the work, with the same refusals.
#include "daemon/api/api.hpp"
#include "daemon/ops/refusal.hpp"
#include "framework/store/operator.hpp"

namespace sluice::api {

// A refusal of the shared operations as a Problem (bad_input 400, not_found 404 with the
// did-you-mean, conflict 409, failed 503/500).
tl::unexpected<Problem> problem_of(const ops::Refusal& refusal);

// Config diagnostics as the API lists them: line, column, field, message; `at` (FILE:LINE:
// COLUMN) when the problem is not in the submitted text.
nlohmann::json diagnostics_json(const std::vector<config::Diagnostic>& diagnostics);

// The caller's operator on this thread's connection (503 when the database is out of reach).
Answer<store::Operator> operator_for(Call& call);

// The path's `{id}` as a positive whole number (400 naming `id` otherwise); `what` names it.
Answer<std::int64_t> id_param(const Call& call, std::string_view what);

// The `pipeline` query parameter: nullopt when absent, 404 with a did-you-mean when unknown.
Answer<std::optional<PipelineId>> pipeline_filter(const Call& call, const config::Config& config);

// The audit entry of a change made through the API: the token's name, the client address.
store::AuditEntry audit_of(const Call& call, std::string command,
                           std::optional<PipelineId> pipeline = std::nullopt);

Answer<Response> list_pipelines(Call& call);
Answer<Response> get_pipeline(Call& call);
Answer<Response> pause_pipeline(Call& call);
Answer<Response> unpause_pipeline(Call& call);
Answer<Response> get_graph(Call& call);
Answer<Response> list_pools(Call& call);

Answer<Response> create_definition(Call& call);
Answer<Response> update_definition(Call& call);
Answer<Response> delete_definition(Call& call);
Answer<Response> rollback_definition(Call& call);
Answer<Response> validate_definition(Call& call);
Answer<Response> list_versions(Call& call);
Answer<Response> get_version(Call& call);
Answer<Response> trigger_pipeline(Call& call);

Answer<Response> list_records(Call& call);
Answer<Response> get_record(Call& call);
Answer<Response> rerun_records(Call& call);
Answer<Response> clear_records(Call& call);
Answer<Response> mark_success_record(Call& call);
Answer<Response> release_record(Call& call);

Answer<Response> request_backfill(Call& call);
Answer<Response> list_backfills(Call& call);
Answer<Response> get_backfill(Call& call);
Answer<Response> cancel_backfill(Call& call);

Answer<Response> list_locks(Call& call);
Answer<Response> list_audit_log(Call& call);
Answer<Response> list_connections(Call& call);
Answer<Response> test_connection(Call& call);

Answer<Response> sign_in(Call& call);
Answer<Response> get_session(Call& call);
Answer<Response> sign_out(Call& call);
Answer<Response> events(Call& call);

Answer<Response> healthz(Call& call);
Answer<Response> readyz(Call& call);
Answer<Response> metrics(Call& call);
Answer<Response> openapi(Call& call);

}  // namespace sluice::api
