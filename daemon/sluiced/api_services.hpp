#pragma once
// What the API's handlers reach inside sluiced: the current config (a reload swaps it for
// the next request), a database connection per API thread, the clock, the metrics.
#include <functional>
#include <memory>
#include <string>

#include "daemon/api/api.hpp"
#include "daemon/sluiced/state.hpp"

namespace sluice::daemon {

class ApiServices : public api::Services {
 public:
  ApiServices(std::function<std::shared_ptr<const State>()> state, std::string database_url,
              std::string host, std::function<std::string()> metrics);

  std::shared_ptr<const config::Config> config() const override;
  // Each API thread opens its own on first use and again after it was lost.
  Result<pqxx::connection*> database() override;
  Instant now() const override;
  std::string host() const override { return host_; }
  Result<void> ready() override;
  std::string metrics() override { return metrics_(); }

 private:
  std::function<std::shared_ptr<const State>()> state_;
  std::string database_url_;
  std::string host_;
  std::function<std::string()> metrics_;
};

}  // namespace sluice::daemon
