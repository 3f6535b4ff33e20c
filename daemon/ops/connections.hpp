#pragma once
// The daemon file's named connections as `sluicectl connections test` and the API's
// connection routes show and probe them: secrets redacted in every message.
#include <string_view>

#include <nlohmann/json.hpp>

#include "daemon/ops/refusal.hpp"
#include "framework/config/model.hpp"

namespace sluice::ops {

// not_found with a did-you-mean and the list of names.
Outcome<const config::ConnectionConfig*> find_connection(const config::Config& config,
                                                         std::string_view name);

// {connection, kind, config}: the connection's keys with secrets redacted.
nlohmann::ordered_json connection_json(const config::ConnectionConfig& c);

// The adapter's probe (connect, ask something cheap): {connection, kind, state (ok, failed,
// untested), message on one line, milliseconds, error_kind when failed}.
nlohmann::json test_connection(const config::ConnectionConfig& c);

}  // namespace sluice::ops
