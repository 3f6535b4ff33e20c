#pragma once
// The HTTP API without a socket: a config with one token per role, api::Services over a test
// database (or none: every database call fails as an outage), and `call` to send a request.
#include <map>
#include <memory>
#include <string>

#include "daemon/api/api.hpp"
#include "tests/support/paths.hpp"

namespace sluice::test {

inline constexpr const char* kViewerToken = "viewer-0123456789abcdef";
inline constexpr const char* kOperatorToken = "operator-0123456789abcdef";
inline constexpr const char* kAdminToken = "admin-0123456789abcdef";

// The daemon file's http section with those tokens (names dash, ci and root).
std::string api_http_section();

// kDaemonConfig plus that section, and the pipelines given (id -> file text), loaded.
std::shared_ptr<const config::Config> api_config(
    const TempDir& dir, const std::map<std::string, std::string>& pipelines);

// `config` with those tokens as its http.tokens.
std::shared_ptr<const config::Config> with_api_tokens(config::Config config);

class TestServices : public api::Services {
 public:
  // An empty url: the database is out of reach.
  TestServices(std::shared_ptr<const config::Config> config, std::string url, Instant now);
  ~TestServices() override;

  std::shared_ptr<const config::Config> config() const override { return config_; }
  Result<pqxx::connection*> database() override;
  Instant now() const override { return now_; }
  void set_now(Instant now) { now_ = now; }  // sessions expire
  std::string host() const override { return "api-test:1"; }
  Result<void> ready() override;
  std::string metrics() override { return metrics_; }

  std::string metrics_ = "# metrics\n";

 private:
  std::shared_ptr<const config::Config> config_;
  std::string url_;
  Instant now_;
  std::unique_ptr<pqxx::connection> connection_;
};

// The pipeline `events` (kPipelineConfig), a token per role and no database: a request ends
// at the API's door or at its first store call (503, the database out of reach).
struct OfflineApi {
  OfflineApi();
  TempDir dir;
  TestServices services;
};

// The token of a role ("" for none).
std::string token_of(api::Role role);

// One request; `body` is sent as application/json unless `content_type` says otherwise.
api::Response call(api::Services& services, const std::string& method, const std::string& target,
                   api::Role role = api::Role::admin, const std::string& body = "",
                   const std::string& content_type = "application/json",
                   const std::string& if_match = "");

}  // namespace sluice::test
