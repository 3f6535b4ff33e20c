#pragma once
// The pipeline catalog in PostgreSQL (sql/migrations/0013_catalog.sql): every version of
// every definition, the catalog's own (created through the API or `sluicectl pipelines`) and
// the text of pipeline files as daemons loaded them. Versions are only ever added: an
// update, a rollback and a delete each append one, with its audit_log row, in one
// transaction. A pipeline's current catalog definition is its newest catalog version when
// that one is not a delete.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "framework/core/ids.hpp"
#include "framework/core/instant.hpp"
#include "framework/store/database.hpp"
#include "framework/store/operator.hpp"

namespace sluice::store {

enum class Origin { catalog, file };
std::string_view to_string(Origin o);

struct Definition {
  PipelineId pipeline;
  int version = 0;
  Origin origin = Origin::catalog;
  std::string file;  // origin file: the path the daemon read
  std::string yaml;
  std::string checksum;  // SHA-256 of yaml, lower-case hex
  std::string created_by;
  Instant created_at{};
  std::string comment;
  bool deleted = false;

  auto operator<=>(const Definition&) const = default;
};

// What an append must find first, checked under the pipeline's lock.
struct Expect {
  enum class Kind {
    absent,   // create: no current catalog definition (never made, or deleted)
    current,  // update, delete: the current catalog definition is `version` (any when unset)
    any,      // rollback: whatever is current, deleted or not
  };
  Kind kind = Kind::absent;
  std::optional<int> version{};
};

struct NewVersion {
  PipelineId pipeline;
  std::string yaml;  // a delete repeats the current text
  std::string comment{};
  bool deleted = false;
};

// What became of an append. `current` is the newest catalog version before it (0: none),
// for the refusal's message and the 412's ETag.
struct Appended {
  enum class Outcome { added, exists, missing, stale };
  Outcome outcome = Outcome::added;
  int version = 0;  // added: the new version
  int current = 0;
  bool current_deleted = false;
  std::string checksum;  // added: the new version's
};

class Catalog {
 public:
  explicit Catalog(Connection& connection);

  // Every pipeline's current catalog definition, by id.
  Result<std::vector<Definition>> current();
  // Changes so far (the newest catalog seq, 0 without any): the daemons' polling fallback
  // reloads when it moves.
  Result<std::int64_t> last_change();
  // Every version of the pipeline, newest first, text included.
  Result<std::vector<Definition>> history(const PipelineId& pipeline);
  Result<std::optional<Definition>> version(const PipelineId& pipeline, int version);
  // The newest catalog version, deleted or not.
  Result<std::optional<Definition>> newest(const PipelineId& pipeline);

  // Appends a catalog version, if `expect` holds, with `audit`'s row in the same transaction.
  Result<Appended> append(const NewVersion& v, const Expect& expect, const AuditEntry& audit);

  // The version of a pipeline file's text: the newest file version with that text when no
  // catalog version came after it, else a new one stored by `holder` (a daemon's host:pid).
  // The claim passes over a pipeline whose catalog has a newer version than the claimer's.
  Result<int> file_version(const PipelineId& pipeline, const std::string& file,
                           const std::string& yaml, const std::string& holder);
  // file_version of many files in a few statements (a daemon's start with thousands of
  // pipeline files): the same versions found, the same rows added in the same order, each
  // under its pipeline's lock; a file whose text has its version writes nothing. The
  // versions come in the order of `files`.
  struct FileText {
    PipelineId pipeline;
    std::string file;
    std::string yaml;
  };
  Result<std::vector<int>> file_versions(const std::vector<FileText>& files,
                                         const std::string& holder);

 private:
  Connection& connection_;
};

}  // namespace sluice::store
