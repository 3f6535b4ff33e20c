#include "daemon/ops/connections.hpp"

#include <chrono>
#include <vector>

#include "framework/adapters/registry.hpp"
#include "framework/config/show.hpp"
#include "framework/core/suggest.hpp"
#include "framework/store/database.hpp"

namespace sluice::ops {

Outcome<const config::ConnectionConfig*> find_connection(const config::Config& config,
                                                         std::string_view name) {
  std::vector<std::string_view> names;
  for (const auto& c : config.daemon.connections) {
    if (c.name == name) return &c;
    names.push_back(c.name);
  }
  // A positional argument to sluicectl, a path part to the API: the message names no flag.
  std::string message = "unknown connection '" + std::string(name) + "'";
  const auto near = closest_match(name, names);
  if (near) message += " (did you mean '" + *near + "'?)";
  message += "; connections:";
  for (auto n : names) message += " " + std::string(n);
  return refused(Refusal::Kind::not_found, "name", message, near.value_or(""));
}

nlohmann::ordered_json connection_json(const config::ConnectionConfig& c) {
  return {
      {"connection", c.name}, {"kind", c.kind()}, {"config", config::connection_config_json(c)}};
}

nlohmann::json test_connection(const config::ConnectionConfig& c) {
  const auto started = std::chrono::steady_clock::now();
  std::string state, message, error_kind;
  if (!c.adapter || !c.adapter->probe) {
    state = "untested";
    message = "kind '" + std::string(c.kind()) + "' has no probe in this build";
  } else if (auto answer = c.adapter->probe(c)) {
    state = "ok";
    message = *answer;
  } else {
    state = "failed";
    error_kind = std::string(to_string(answer.error().kind));
    message = answer.error().message;
  }
  // Whatever an adapter forgot to scrub, a URL's password is not shown.
  message = store::redact_secrets(message);
  // libpq's hints come on lines of their own; one line per connection.
  for (char& ch : message)
    if (ch == '\n' || ch == '\t') ch = ' ';
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  nlohmann::json item{{"connection", c.name},
                      {"kind", c.kind()},
                      {"state", state},
                      {"message", message},
                      {"milliseconds", ms.count()}};
  if (!error_kind.empty()) item["error_kind"] = error_kind;
  return item;
}

}  // namespace sluice::ops
