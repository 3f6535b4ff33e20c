#pragma once
// The pipeline catalog's operations, shared by the HTTP API and `sluicectl pipelines`: a
// definition is checked by the loader itself (as `catalog:ID`, beside the pipeline files and
// the rest of the catalog) before anything is stored; every change appends a version with
// its audit_log row; nothing half-done is ever stored.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "daemon/ops/refusal.hpp"
#include "framework/config/load.hpp"
#include "framework/store/catalog.hpp"

namespace sluice::ops {

// Where catalog operations look: the daemon file (connections, pipelines_dir) and the
// database holding the catalog.
struct CatalogScope {
  std::filesystem::path daemon_file;
  store::Connection& connection;
};

// What was stored, and what the validator warned about (lineage, naming at `warn`).
struct CatalogChange {
  PipelineId pipeline;
  int version = 0;
  std::string checksum;
  std::vector<config::Diagnostic> warnings;
};

// The validator's answer on a definition, stored or not: its id (from the text; empty when
// it has none), its errors and warnings at `catalog:ID@new:LINE:COLUMN`, and errors it would
// cause in pipelines that load now (a cycle, a duplicate target), at their places.
struct Verdict {
  std::string id;
  std::vector<config::Diagnostic> errors;
  std::vector<config::Diagnostic> warnings;
  // A pipeline file that has the id: the place of its `id` (a conflict, not an error of the
  // text).
  std::optional<config::Location> file_clash;
};

// The catalog's current definitions (store::Catalog::current) as the loader takes them.
std::vector<config::CatalogDefinition> loader_definitions(std::vector<store::Definition> current);

// The id a definition names at its top level; empty when it does not parse or has none.
std::string definition_id(const std::string& yaml);

// Checks `yaml` as the catalog's definition of `id` (or of the id it names, when `id` is
// empty) without storing it. Fails only when the daemon file or the catalog cannot be read.
Outcome<Verdict> check_definition(const CatalogScope& scope, const std::string& yaml,
                                  const std::string& id = {});

// POST: a new pipeline (conflict when the catalog or a file has its id).
Outcome<CatalogChange> create_definition(const CatalogScope& scope, const std::string& yaml,
                                         const std::string& comment,
                                         const store::AuditEntry& audit);
// PUT: the pipeline's next version; `if_match`: the version the change was made from
// (stale when another change came first).
Outcome<CatalogChange> update_definition(const CatalogScope& scope, const std::string& id,
                                         const std::string& yaml, std::optional<int> if_match,
                                         const std::string& comment,
                                         const store::AuditEntry& audit);
// DELETE: a version marked deleted; daemons stop making its windows, running ones finish,
// records stay.
Outcome<CatalogChange> delete_definition(const CatalogScope& scope, const std::string& id,
                                         std::optional<int> if_match, const std::string& comment,
                                         const store::AuditEntry& audit);
// The exact text of version `to` as the next version (validated again: the connections it
// names may have changed since). A deleted pipeline comes back this way.
Outcome<CatalogChange> rollback_definition(const CatalogScope& scope, const std::string& id, int to,
                                           const std::string& comment,
                                           const store::AuditEntry& audit);

// Every version of a pipeline, newest first (not_found with a did-you-mean when it has none).
Outcome<std::vector<store::Definition>> definition_history(store::Connection& connection,
                                                           const std::string& id);
Outcome<store::Definition> definition_version(store::Connection& connection, const std::string& id,
                                              int version);

// `--- vN` / `+++ vM` and the lines that differ, as a unified diff with 3 lines of context.
std::string unified_diff(const std::string& a, const std::string& b, const std::string& a_name,
                         const std::string& b_name);

}  // namespace sluice::ops
