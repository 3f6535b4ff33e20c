#pragma once
// How the store binds parameters: as text, NULL where absent, and each one made storable
// (framework/core/utf8.hpp) on the way. Whatever a caller passes (a message quoting foreign
// bytes, an operator name from the environment, a business field rendered from a
// template), PostgreSQL receives valid UTF-8 without NUL, so no value of ours can make the
// write that records a window's outcome fail with SQLSTATE 22021.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>
#include <pqxx/result>
#include <pqxx/transaction_base>

namespace sluice::store {

using SqlParams = std::vector<std::optional<std::string>>;

// tx.exec_params(sql, params...) with every parameter made storable.
pqxx::result exec_with(pqxx::transaction_base& tx, const std::string& sql, const SqlParams& params);
// The same for a statement prepared on the connection under `name`.
pqxx::result exec_prepared_with(pqxx::transaction_base& tx, const std::string& name,
                                const SqlParams& params);

// The longest message the store keeps (error_message, event, backfill and audit messages):
// a message quoting a whole response body or row would otherwise swell every table that
// repeats it. Longer ones are cut at a character boundary, with a marker.
inline constexpr std::size_t kMaxMessageBytes = 8192;
std::string stored_message(std::string_view text);

// A value for a jsonb parameter: every key and string made storable first (jsonb refuses
// \u0000, and a JSON dump of invalid UTF-8 throws).
std::string stored_json(const nlohmann::json& value);

}  // namespace sluice::store
