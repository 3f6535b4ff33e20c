#include "framework/store/catalog.hpp"

#include <algorithm>
#include <map>

#include <pqxx/pqxx>

#include "framework/store/errors.hpp"
#include "framework/store/params.hpp"
#include "framework/store/records.hpp"

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

// A batch of file texts of distinct pipelines: as unnest() reads them.
struct FileBatch {
  std::vector<std::size_t> at;  // each one's index in file_versions' input
  std::vector<std::string> ids, files, yamls;
};

// Of each (id, yaml), the newest file version with that text when no catalog version came
// after it (NULL: none), in order: file_version's lookup, for a batch.
constexpr const char* kFindFileVersions =
    "SELECT (SELECT max(d.version) FROM pipeline_definitions d "
    "        WHERE d.pipeline_id = f.id AND d.origin = 'file' "
    "          AND d.checksum = encode(sha256(convert_to(f.yaml, 'UTF8')), 'hex') "
    "          AND d.version > (SELECT coalesce(max(c.version), 0) FROM pipeline_definitions c "
    "                           WHERE c.pipeline_id = f.id AND c.origin = 'catalog')) "
    "FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS f(id, yaml, i) ORDER BY f.i";

// Fills in the versions found; returns the positions (in the batch) still without one.
std::vector<std::size_t> find_versions(pqxx::transaction_base& tx, const FileBatch& b,
                                       std::vector<int>& out) {
  const auto rows =
      exec_with(tx, kFindFileVersions, {array_literal(b.ids), array_literal(b.yamls)});
  std::vector<std::size_t> missing;
  for (std::size_t k = 0; k < rows.size(); ++k) {
    if (rows[k][0].is_null())
      missing.push_back(k);
    else
      out[b.at[k]] = rows[k][0].as<int>();
  }
  return missing;
}

FileBatch subset(const FileBatch& b, const std::vector<std::size_t>& positions) {
  FileBatch out;
  for (auto k : positions) {
    out.at.push_back(b.at[k]);
    out.ids.push_back(b.ids[k]);
    out.files.push_back(b.files[k]);
    out.yamls.push_back(b.yamls[k]);
  }
  return out;
}

// Stores the batch's texts that still have no version, under each pipeline's lock (taken
// in one order, so two daemons storing at once cannot deadlock), in the batch's order.
void store_versions(pqxx::connection& connection, const FileBatch& b, const std::string& holder,
                    std::vector<int>& out) {
  pqxx::work tx(connection);
  exec_with(tx,
            "SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT "
            "hashtextextended('sluice.catalog.' || id, 0) AS k FROM unnest($1::text[]) AS id "
            "ORDER BY 1) AS keys",
            {array_literal(b.ids)});
  const FileBatch left = subset(b, find_versions(tx, b, out));
  if (left.ids.empty()) return;
  const auto rows = exec_with(
      tx,
      "INSERT INTO pipeline_definitions (pipeline_id, version, origin, file, yaml, checksum, "
      "created_by) "
      "SELECT f.id, (SELECT coalesce(max(d.version), 0) + 1 FROM pipeline_definitions d "
      "              WHERE d.pipeline_id = f.id), 'file', f.file, f.yaml, "
      "       encode(sha256(convert_to(f.yaml, 'UTF8')), 'hex'), $4 "
      "FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS f(id, file, yaml, i) "
      "ORDER BY f.i RETURNING pipeline_id, version",
      {array_literal(left.ids), array_literal(left.files), array_literal(left.yamls), holder});
  std::map<std::string, int, std::less<>> added;  // the batch's ids are distinct
  for (const auto& row : rows) added[row[0].as<std::string>()] = row[1].as<int>();
  for (std::size_t k = 0; k < left.ids.size(); ++k) out[left.at[k]] = added.at(left.ids[k]);
  tx.commit();
}

// Texts per statement: the locks of one transaction must fit PostgreSQL's lock table
// (max_locks_per_transaction x connections: 6,400 by default), and a batch's texts one
// message.
constexpr std::size_t kFileBatch = 500;

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

Result<std::vector<int>> Catalog::file_versions(const std::vector<FileText>& files,
                                                const std::string& holder) {
  return attempt("storing the versions of pipeline files", [&] {
    std::vector<int> out(files.size(), 0);
    // Rounds in which each pipeline comes once: a second text of an id is looked for after
    // the first one's row is in, as file_version one after the other would.
    std::vector<FileBatch> rounds;
    std::map<std::string, std::size_t, std::less<>> seen;
    for (std::size_t i = 0; i < files.size(); ++i) {
      const std::size_t round = seen[files[i].pipeline.value]++;
      if (round == rounds.size()) rounds.emplace_back();
      auto& b = rounds[round];
      b.at.push_back(i);
      b.ids.push_back(files[i].pipeline.value);
      b.files.push_back(files[i].file);
      b.yamls.push_back(files[i].yaml);
    }
    for (const auto& all : rounds) {
      for (std::size_t from = 0; from < all.at.size(); from += kFileBatch) {
        std::vector<std::size_t> positions;
        for (std::size_t k = from; k < std::min(all.at.size(), from + kFileBatch); ++k)
          positions.push_back(k);
        const FileBatch batch = subset(all, positions);
        std::vector<std::size_t> missing;
        {
          pqxx::nontransaction read(connection_);
          missing = find_versions(read, batch, out);
        }
        if (!missing.empty()) store_versions(connection_, subset(batch, missing), holder, out);
      }
    }
    return out;
  });
}

}  // namespace sluice::store
