#pragma once
// The tables, columns (with their types), functions and triggers this binary uses, as the
// migrations create them. The migration version alone cannot tell a schema changed by hand
// (a column dropped, a type altered, a function replaced): a daemon would start on it, fail
// its first write and strand the window it had claimed. So sluiced, run-once and `db status`
// compare the database against this list first, and name what differs.
//
// The list is kept by hand in schema_objects.cpp; an integration test applies every
// migration and requires the list to match the resulting schema exactly, both ways, so a
// new migration cannot leave it behind.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "framework/core/error.hpp"
#include "framework/store/database.hpp"

namespace sluice::store {

struct SchemaObjects {
  // table -> column -> type, as PostgreSQL's format_type() prints it (`numeric(7,2)`)
  std::map<std::string, std::map<std::string, std::string>> tables;
  // `name(argument types)` -> result type (`SETOF pipeline_records`)
  std::map<std::string, std::string> functions;
  std::set<std::string> triggers;  // `table.trigger`
};

// What this binary uses: the state after its last migration.
const SchemaObjects& expected_schema_objects();

// The tables, functions and triggers of the schema that unqualified names resolve to first
// (current_schema()), where the store's statements find them.
Result<SchemaObjects> read_schema_objects(Connection& connection);

// One line per difference, in the order of `expected`:
//   table audit_log: missing
//   pipeline_records.heartbeat_at: missing
//   pipeline_records.retry_attempt: bigint, expected integer
//   function sluice_claim(text[], integer[], integer[], text): missing
//   function sluice_claim(text[], integer[], integer[], text): returns integer, expected ...
//   trigger pipeline_records.pipeline_records_touch: missing
// With `extra`, what `actual` has beyond `expected` too (`...: not expected`): objects an
// operator adds do not stop sluice, but the list must not drift from the migrations.
std::vector<std::string> schema_differences(const SchemaObjects& expected,
                                            const SchemaObjects& actual, bool extra = false);

}  // namespace sluice::store
