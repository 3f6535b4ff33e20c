#pragma once
// One row per adapter kind: what it can be (source, stage, target) and the key tables of its
// connection, source and target sections. The loader validates config with these rows, the
// reference is generated from them, and later the rows carry the factories as well.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "framework/adapters/load_mode.hpp"
#include "framework/adapters/sql_lexer.hpp"
#include "framework/core/error.hpp"
#include "framework/schema/bind.hpp"
#include "framework/schema/diagnostic.hpp"
#include "framework/schema/fields.hpp"
#include "framework/schema/key_table.hpp"

namespace sluice::adapters {

struct ConnectionConfig;  // endpoint.hpp
struct EndpointConfig;

class Source;
class Target;
class SqlRunner;
class CheckServer;

// Build a pipeline's source or target from its validated connection and section. The
// config was validated against the same row's key tables, so a factory reads its keys
// without re-checking them; what it can still fail on (an unresolved secret) is an Error.
using SourceFactory = Result<std::unique_ptr<Source>> (*)(
    const adapters::ConnectionConfig& connection, const adapters::EndpointConfig& source);
using TargetFactory = Result<std::unique_ptr<Target>> (*)(
    const adapters::ConnectionConfig& connection, const adapters::EndpointConfig& target);

// A SQL pipeline's runner (sql_runner.hpp) on a connection and a target section (its table
// and time_column); also what `sluicectl deploy` and `undeploy` act on a target table with.
using SqlRunnerFactory = Result<std::unique_ptr<SqlRunner>> (*)(
    const adapters::ConnectionConfig& connection, const adapters::EndpointConfig& target);

// `sluicectl connections test`: connects and asks the server something cheap. The answer is
// a short description of what answered (`PostgreSQL 15.18`); an Error says what failed,
// classified, with every secret redacted.
using ConnectionProbe = Result<std::string> (*)(const adapters::ConnectionConfig& connection);

// `sql`: the target of a SQL pipeline (`kind: sql`), whose statements run on its server.
enum class Role { source, stage, target, sql };
std::string_view to_string(Role role);

// Data checks (window_query.hpp): the server of `connection`, for the rows of `section` as
// a source (Role::source) or a target (Role::target, Role::sql); `section` null for an
// assertion query on the connection alone.
using CheckServerFactory =
    Result<std::unique_ptr<CheckServer>> (*)(const adapters::ConnectionConfig& connection,
                                             const adapters::EndpointConfig* section, Role role);

// A rule the tables cannot say alone (`query` or `table`, `url` or `host`), run on a section
// whose keys already passed their own checks.
using SectionCheck = void (*)(const config::Fields& section, config::Diagnostics& diags);

struct AdapterInfo {
  std::string_view kind{};
  std::string_view description{};
  std::vector<Role> roles{};
  // Each list is checked (and documented) in order; the pipeline's `connection` key comes
  // first from config::source_common_keys() / target_common_keys().
  std::vector<const config::KeyTable*> connection_keys{};
  std::vector<const config::KeyTable*> source_keys{};
  std::vector<const config::KeyTable*> target_keys{};
  // A SQL pipeline's target section (after `connection`): its table and time column.
  std::vector<const config::KeyTable*> sql_keys{};
  // The binding of each table above (one per table, shared tables once): what its keys fill
  // in the structs the factories and the probe read. tests/unit/adapters/bindings_test.cpp
  // checks that every key is bound or said to be read elsewhere.
  std::vector<const config::BindingInfo*> bindings{};
  SectionCheck check_connection = nullptr;
  SectionCheck check_source = nullptr;
  SectionCheck check_target = nullptr;
  SectionCheck check_sql = nullptr;
  // Null while the kind's code is not in this build: such a pipeline validates, and
  // refuses to run with a message saying so.
  SourceFactory make_source = nullptr;
  TargetFactory make_target = nullptr;
  SqlRunnerFactory make_sql_runner = nullptr;
  ConnectionProbe probe = nullptr;
  // Data checks (`checks:`) on this kind's sources, targets and connections; null: the kind
  // runs none, and a pipeline that asks for them is refused by the loader.
  CheckServerFactory make_check_server = nullptr;
  // How the server quotes, comments and marks parameters: for the check of a SQL pipeline's
  // statements and a `ddl` (sql_lexer.hpp). Meaningful with Role::sql.
  sql::Dialect sql_dialect = sql::Dialect::postgres;
  // The target evaluates SQL expressions over the loaded columns (`transform.columns[].sql`,
  // Target::compute_columns).
  bool sql_expressions = false;
  // What `target.load` may say (load_mode.hpp): every target replaces windows.
  std::vector<LoadMode> load_modes{LoadMode::replace_window};
  // Its loads report the rows the server itself said they wrote (Loaded::reported), which
  // `audit.target_count: loaded` compares with the source; the loader refuses that key for
  // the other kinds.
  bool reports_loaded_rows = false;

  bool can(Role role) const;
  std::string roles_text() const;  // `source, target`
};

// In the order the reference lists them.
const std::vector<const AdapterInfo*>& registry();
const AdapterInfo* find_adapter(std::string_view kind);
std::vector<std::string_view> adapter_kinds();
// `postgres, mysql`: the kinds whose loads report the rows they wrote (reports_loaded_rows).
std::string loaded_count_kinds();

// The rows, one per adapter folder (framework/adapters/<kind>/keys.cpp).
const AdapterInfo& postgres_adapter();
const AdapterInfo& mysql_adapter();
const AdapterInfo& clickhouse_adapter();
const AdapterInfo& file_adapter();
const AdapterInfo& http_adapter();
const AdapterInfo& generate_adapter();

}  // namespace sluice::adapters
