#include "framework/store/catalog.hpp"

#include <pqxx/pqxx>

#include "framework/store/errors.hpp"
#include "framework/store/params.hpp"

namespace sluice::store {
namespace {

constexpr const char* kColumns =
    "pipeline_id, version, origin, coalesce(file, ''), yaml, checksum, created_by, "
    "extract(epoch FROM created_at)::bigint, coalesce(comment, ''), deleted";

Definition to_definition(const pqxx::row& row) {
  Definition d;
  d.pipeline = PipelineId{row[0].as<std::string>()};
  d.version = row[1].as<int>();
  d.origin = row[2].as<std::string>() == "file" ? Origin::file : Origin::catalog;
  d.file = row[3].as<std::string>();
  d.yaml = row[4].as<std::string>();
  d.checksum = row[5].as<std::string>();
  d.created_by = row[6].as<std::string>();
  d.created_at = Instant{Seconds{row[7].as<std::int64_t>()}};
  d.comment = row[8].as<std::string>();
  d.deleted = row[9].as<bool>();
  return d;
}

std::vector<Definition> definitions(const pqxx::result& rows) {
  std::vector<Definition> out;
  out.reserve(rows.size());
  for (const auto& row : rows) out.push_back(to_definition(row));
  return out;
}

// One writer per pipeline at a time: the version number and the precondition are read and
// the row inserted under it, so two updates from the same version cannot both land.
void lock_pipeline(pqxx::transaction_base& tx, const PipelineId& pipeline) {
  exec_with(tx, "SELECT pg_advisory_xact_lock(hashtextextended('sluice.catalog.' || $1, 0))",
            {pipeline.value});
}

int next_version(pqxx::transaction_base& tx, const PipelineId& pipeline) {
  return exec_with(tx,
                   "SELECT coalesce(max(version), 0) + 1 FROM pipeline_definitions "
                   "WHERE pipeline_id = $1",
                   {pipeline.value})[0][0]
      .as<int>();
}

bool holds(const Expect& expect, const Appended& now) {
  const bool live = now.current != 0 && !now.current_deleted;
  switch (expect.kind) {
    case Expect::Kind::absent: return !live;
    case Expect::Kind::current: return live && (!expect.version || *expect.version == now.current);
    case Expect::Kind::any: return true;
  }
  return false;
}

Appended::Outcome refusal(const Expect& expect, const Appended& now) {
  const bool live = now.current != 0 && !now.current_deleted;
  if (expect.kind == Expect::Kind::absent) return Appended::Outcome::exists;
  return live ? Appended::Outcome::stale : Appended::Outcome::missing;
}

}  // namespace

std::string_view to_string(Origin o) {
  return o == Origin::file ? "file" : "catalog";
}

Catalog::Catalog(Connection& connection) : connection_(connection) {}

Result<std::vector<Definition>> Catalog::current() {
  return attempt("reading the pipeline catalog", [&] {
    pqxx::read_transaction tx(connection_);
    return definitions(exec_with(tx,
                                 std::string("SELECT ") + kColumns +
                                     " FROM (SELECT DISTINCT ON (pipeline_id) * "
                                     "FROM pipeline_definitions WHERE origin = 'catalog' "
                                     "ORDER BY pipeline_id, version DESC) d "
                                     "WHERE NOT deleted ORDER BY pipeline_id",
                                 {}));
  });
}

Result<std::int64_t> Catalog::last_change() {
  return attempt("reading the pipeline catalog", [&] {
    pqxx::nontransaction tx(connection_);
    return exec_with(tx,
                     "SELECT coalesce(max(seq), 0) FROM pipeline_definitions "
                     "WHERE origin = 'catalog'",
                     {})[0][0]
        .as<std::int64_t>();
  });
}

Result<std::vector<Definition>> Catalog::history(const PipelineId& pipeline) {
  return attempt("reading a pipeline's versions", [&] {
    pqxx::nontransaction tx(connection_);
    return definitions(exec_with(tx,
                                 std::string("SELECT ") + kColumns +
                                     " FROM pipeline_definitions WHERE pipeline_id = $1 "
                                     "ORDER BY version DESC",
                                 {pipeline.value}));
  });
}

Result<std::optional<Definition>> Catalog::version(const PipelineId& pipeline, int version) {
  return attempt("reading a pipeline version", [&]() -> std::optional<Definition> {
    pqxx::nontransaction tx(connection_);
    const auto rows = exec_with(tx,
                                std::string("SELECT ") + kColumns +
                                    " FROM pipeline_definitions WHERE pipeline_id = $1 "
                                    "AND version = $2::int",
                                {pipeline.value, std::to_string(version)});
    if (rows.empty()) return std::nullopt;
    return to_definition(rows[0]);
  });
}

Result<std::optional<Definition>> Catalog::newest(const PipelineId& pipeline) {
  return attempt("reading a pipeline version", [&]() -> std::optional<Definition> {
    pqxx::nontransaction tx(connection_);
    const auto rows = exec_with(tx,
                                std::string("SELECT ") + kColumns +
                                    " FROM pipeline_definitions WHERE pipeline_id = $1 "
                                    "AND origin = 'catalog' ORDER BY version DESC LIMIT 1",
                                {pipeline.value});
    if (rows.empty()) return std::nullopt;
    return to_definition(rows[0]);
  });
}

Result<Appended> Catalog::append(const NewVersion& v, const Expect& expect,
                                 const AuditEntry& audit) {
  return attempt("storing a pipeline version", [&] {
    pqxx::work tx(connection_);
    lock_pipeline(tx, v.pipeline);
    Appended out;
    const auto now = exec_with(tx,
                               "SELECT version, deleted FROM pipeline_definitions "
                               "WHERE pipeline_id = $1 AND origin = 'catalog' "
                               "ORDER BY version DESC LIMIT 1",
                               {v.pipeline.value});
    if (!now.empty()) {
      out.current = now[0][0].as<int>();
      out.current_deleted = now[0][1].as<bool>();
    }
    if (!holds(expect, out)) {
      out.outcome = refusal(expect, out);
      return out;
    }
    out.version = next_version(tx, v.pipeline);
    out.checksum = exec_with(tx,
                             "INSERT INTO pipeline_definitions (pipeline_id, version, origin, "
                             "yaml, checksum, created_by, comment, deleted) "
                             "VALUES ($1, $2::int, 'catalog', $3, "
                             "encode(sha256(convert_to($3, 'UTF8')), 'hex'), $4, $5, "
                             "$6::boolean) RETURNING checksum",
                             {v.pipeline.value, std::to_string(out.version), v.yaml, audit.actor,
                              v.comment.empty() ? std::nullopt : std::optional(v.comment),
                              std::string(v.deleted ? "true" : "false")})[0][0]
                       .as<std::string>();
    AuditEntry row = audit;
    row.arguments["version"] = out.version;
    if (out.current) row.arguments["previous_version"] = out.current;
    audit_in(tx, row, 1);
    tx.commit();
    return out;
  });
}

Result<int> Catalog::file_version(const PipelineId& pipeline, const std::string& file,
                                  const std::string& yaml, const std::string& holder) {
  return attempt("storing a pipeline file's version", [&] {
    const auto find = [&](pqxx::transaction_base& tx) {
      return exec_with(tx,
                       "SELECT max(version) FROM pipeline_definitions WHERE pipeline_id = $1 "
                       "AND origin = 'file' AND checksum = encode(sha256(convert_to($2, "
                       "'UTF8')), 'hex') AND version > (SELECT coalesce(max(version), 0) "
                       "FROM pipeline_definitions WHERE pipeline_id = $1 AND origin = 'catalog')",
                       {pipeline.value, yaml})[0][0];
    };
    {
      pqxx::nontransaction read(connection_);
      const auto found = find(read);
      if (!found.is_null()) return found.as<int>();
    }
    pqxx::work tx(connection_);
    lock_pipeline(tx, pipeline);
    if (const auto found = find(tx); !found.is_null()) return found.as<int>();
    const int version = next_version(tx, pipeline);
    exec_with(tx,
              "INSERT INTO pipeline_definitions (pipeline_id, version, origin, file, yaml, "
              "checksum, created_by) VALUES ($1, $2::int, 'file', $3, $4, "
              "encode(sha256(convert_to($4, 'UTF8')), 'hex'), $5)",
              {pipeline.value, std::to_string(version), file, yaml, holder});
    tx.commit();
    return version;
  });
}

}  // namespace sluice::store
