#include "tests/support/api_services.hpp"

#include <stdexcept>

#include "framework/config/load.hpp"
#include "framework/store/database.hpp"
#include "framework/store/migrations.hpp"
#include "tests/support/chain_fixture.hpp"
#include "tests/support/config_samples.hpp"
#include "tests/support/files.hpp"

namespace sluice::test {

std::string api_http_section() {
  return std::string("http:\n  listen: 127.0.0.1:0\n  tokens:\n") +
         "    - {name: dash, role: viewer, token: " + kViewerToken + "}\n" +
         "    - {name: ci, role: operator, token: " + kOperatorToken + "}\n" +
         "    - {name: root, role: admin, token: " + kAdminToken + "}\n";
}

std::shared_ptr<const config::Config> api_config(
    const TempDir& dir, const std::map<std::string, std::string>& pipelines) {
  write_file(dir.path() / "sluice.yaml", std::string(kDaemonConfig) + api_http_section());
  for (const auto& [id, text] : pipelines)
    write_file(dir.path() / "pipelines.d" / (id + ".yaml"), text);
  auto loaded = config::load_config(dir.path() / "sluice.yaml");
  if (!loaded) {
    std::string message = "api_config: invalid config:";
    for (const auto& d : loaded.error()) message += "\n  " + config::to_string(d);
    throw std::runtime_error(message);
  }
  return std::make_shared<const config::Config>(std::move(*loaded));
}

std::shared_ptr<const config::Config> with_api_tokens(config::Config config) {
  using config::Secrecy;
  using config::Secret;
  config.daemon.http.tokens = {{"dash", "viewer", Secret::literal(kViewerToken, Secrecy::opaque)},
                               {"ci", "operator", Secret::literal(kOperatorToken, Secrecy::opaque)},
                               {"root", "admin", Secret::literal(kAdminToken, Secrecy::opaque)}};
  return std::make_shared<const config::Config>(std::move(config));
}

TestServices::TestServices(std::shared_ptr<const config::Config> config, std::string url,
                           Instant now)
    : config_(std::move(config)), url_(std::move(url)), now_(now) {}

TestServices::~TestServices() = default;

Result<pqxx::connection*> TestServices::database() {
  if (url_.empty()) {
    Error e = Error::retryable("cannot connect to PostgreSQL (test: no database)");
    e.connection_lost = true;
    return fail(e);
  }
  if (!connection_) {
    auto opened = store::connect(url_);
    if (!opened) return fail(opened.error());
    connection_ = std::move(*opened);
  }
  return connection_.get();
}

Result<void> TestServices::ready() {
  auto db = database();
  if (!db) return fail(db.error());
  auto schema = store::check_schema(**db, "sluiced");
  if (!schema) return fail(schema.error());
  return {};
}

std::string token_of(api::Role role) {
  switch (role) {
    case api::Role::viewer: return kViewerToken;
    case api::Role::operator_: return kOperatorToken;
    case api::Role::admin: return kAdminToken;
    case api::Role::none: break;
  }
  return "";
}

OfflineApi::OfflineApi() : services(api_config(dir, {{"events", kPipelineConfig}}), "", kNow) {}

api::Response call(api::Services& services, const std::string& method, const std::string& target,
                   api::Role role, const std::string& body, const std::string& content_type,
                   const std::string& if_match) {
  const std::string token = token_of(role);
  return api::handle({.method = method,
                      .target = target,
                      .authorization = token.empty() ? "" : "Bearer " + token,
                      .content_type = body.empty() ? "" : content_type,
                      .body = body,
                      .client = "127.0.0.1:40000",
                      .if_match = if_match},
                     services);
}

}  // namespace sluice::test
