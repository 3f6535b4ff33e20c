#include "daemon/sluiced/api_services.hpp"

#include <chrono>

#include "framework/store/database.hpp"
#include "framework/store/migrations.hpp"

namespace sluice::daemon {
namespace {

// One per API thread: the pool's threads end with the server, and their connections with them.
thread_local std::unique_ptr<store::Connection> api_connection;

}  // namespace

ApiServices::ApiServices(std::function<std::shared_ptr<const State>()> state,
                         std::string database_url, std::string host,
                         std::function<std::string()> metrics)
    : state_(std::move(state)),
      database_url_(std::move(database_url)),
      host_(std::move(host)),
      metrics_(std::move(metrics)) {}

std::shared_ptr<const config::Config> ApiServices::config() const {
  auto s = state_();
  return {s, &s->config};
}

Result<pqxx::connection*> ApiServices::database() {
  if (!api_connection || !api_connection->is_open()) {
    auto opened = store::connect(database_url_, {"sluiced-api", 5});
    if (!opened) return fail(opened.error());
    api_connection = std::move(*opened);
  }
  return api_connection.get();
}

Instant ApiServices::now() const {
  return std::chrono::floor<Seconds>(std::chrono::system_clock::now());
}

Result<void> ApiServices::ready() {
  auto db = database();
  if (!db) return fail(db.error());
  auto schema = store::check_schema(**db, "sluiced");
  if (!schema) {
    if (schema.error().connection_lost) api_connection.reset();
    return fail(schema.error());
  }
  return {};
}

}  // namespace sluice::daemon
