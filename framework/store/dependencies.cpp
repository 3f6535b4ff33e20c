#include "framework/store/dependencies.hpp"

#include <set>

#include <pqxx/pqxx>

#include "framework/store/errors.hpp"
#include "framework/store/records.hpp"

namespace sluice::store {

Result<void> register_dependencies(Connection& c, std::span<const std::string> pipelines,
                                   std::span<const DependencyEdge> edges) {
  std::set<std::string> named(pipelines.begin(), pipelines.end());
  std::vector<std::string> children, upstreams, modes, spans;
  for (const auto& e : edges) {
    children.push_back(e.pipeline);
    upstreams.push_back(e.upstream);
    modes.push_back(e.mode);
    spans.push_back(std::to_string(e.upstream_span.count()));
    named.insert(e.pipeline);
    named.insert(e.upstream);
  }
  const std::vector<std::string> all(named.begin(), named.end());
  const std::vector<std::string> replaced(pipelines.begin(), pipelines.end());
  return attempt("registering the pipelines' dependencies", [&] {
    pqxx::work tx(c);
    // A pipeline first seen here (run-once on a fresh database, an upstream no daemon
    // registered yet) gets its frontier from its history; the triggers keep it from then on.
    tx.exec_params(
        "INSERT INTO pipelines (pipeline_id, newest_done_end) "
        "SELECT t.pid, (SELECT r.window_end_time FROM pipeline_records r "
        "               WHERE r.pipeline_id = t.pid "
        "                 AND r.pipeline_status IN ('SUCCESS', 'SKIPPED') "
        "               ORDER BY r.window_start_time DESC LIMIT 1) "
        "  FROM unnest($1::text[]) AS t(pid) "
        "ON CONFLICT (pipeline_id) DO NOTHING",
        array_literal(all));
    tx.exec_params("DELETE FROM pipeline_dependencies WHERE pipeline_id = ANY($1::text[])",
                   array_literal(replaced));
    if (!edges.empty()) {
      tx.exec_params(
          "INSERT INTO pipeline_dependencies (pipeline_id, upstream_id, mode, upstream_span) "
          "SELECT child, up, mode, make_interval(secs => span) "
          "  FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) "
          "       AS t(child, up, mode, span) "
          "ON CONFLICT (pipeline_id, upstream_id) DO UPDATE SET mode = EXCLUDED.mode, "
          "    upstream_span = EXCLUDED.upstream_span",
          array_literal(children), array_literal(upstreams), array_literal(modes),
          array_literal(spans));
    }
    tx.commit();
  });
}

Result<std::optional<std::string>> waiting_on(Connection& c, const std::string& pipeline,
                                              const Window& window) {
  return attempt("reading what a window waits on", [&]() -> std::optional<std::string> {
    pqxx::read_transaction tx(c);
    const auto row =
        tx.exec_params1("SELECT sluice_waiting_on($1, $2::timestamptz, $3::timestamptz)", pipeline,
                        format_utc(window.start), format_utc(window.end));
    if (row[0].is_null()) return std::nullopt;
    return row[0].as<std::string>();
  });
}

}  // namespace sluice::store
