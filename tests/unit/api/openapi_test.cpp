// The OpenAPI document (daemon/api/openapi/openapi.json) and the route table agree both ways:
// every route served is documented, with its method, and every documented operation is served.
#include <catch2/catch.hpp>

#include <set>

#include <nlohmann/json.hpp>

#include "daemon/api/api.hpp"
#include "daemon/api/openapi.hpp"

using namespace sluice;

TEST_CASE("every served route is in the OpenAPI document and every documented one is served",
          "[api][openapi]") {
  const auto doc = nlohmann::json::parse(api::openapi_document());
  CHECK(doc["openapi"] == "3.1.0");
  std::set<std::string> served, documented;
  for (const auto& r : api::routes()) {
    std::string method(r.method);
    for (auto& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    served.insert(method + " " + std::string(r.pattern));
  }
  for (const auto& [path, operations] : doc["paths"].items())
    for (const auto& [method, operation] : operations.items()) {
      documented.insert(method + " " + path);
      INFO(method << " " << path);
      CHECK(operation.contains("responses"));
      CHECK(operation.contains("operationId"));
    }
  CHECK(served == documented);
}

TEST_CASE("the document's security follows each route's role", "[api][openapi]") {
  const auto doc = nlohmann::json::parse(api::openapi_document());
  for (const auto& r : api::routes()) {
    std::string method(r.method);
    for (auto& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const auto& op = doc["paths"][std::string(r.pattern)][method];
    INFO(r.pattern);
    // A route open to anyone says so (empty security); the others inherit the bearer scheme.
    if (r.role == api::Role::none) {
      REQUIRE(op.contains("security"));
      CHECK(op["security"].size() <= 2);
    } else {
      CHECK_FALSE(op.contains("security"));
      CHECK(op["responses"].contains("401"));
      CHECK(op["responses"].contains("403"));
    }
  }
}
