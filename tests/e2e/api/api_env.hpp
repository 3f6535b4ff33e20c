#pragma once
// The API routes' end-to-end fixture: sluicectl's environment (tests/support/ctl.hpp) with
// copy_events run to the end, a pipeline holding a secret, and the API's services on the
// same database; every answer is kept for the secret scans.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "framework/config/load.hpp"
#include "tests/support/api_services.hpp"
#include "tests/support/ctl.hpp"

namespace sluice::test {

using api::Role;
using nlohmann::json;

inline constexpr const char* kHookSecret = "hook-secret-5ad1e0c4";
inline constexpr const char* kConnectionSecret = "conn-secret-91c3b7e2";

// copy_events run to the end once (24 SUCCESS records of 2024-01-01), a third pipeline
// whose file holds a secret (a webhook URL) and a connection with a password (to a port
// where nothing listens) that no answer may show.
struct ApiEnv : CtlEnv {
  std::unique_ptr<TestServices> api;
  std::vector<std::string> answers;  // every body, for the secret scan

  ApiEnv()
      : CtlEnv(std::string("  vault:\n    kind: postgres\n    host: 127.0.0.1\n    port: 1\n"
                           "    dbname: x\n    user: sluice\n    password: ") +
               kConnectionSecret + "\n") {
    load_copy_events();
    write_file(dir.path() / "pipelines.d" / "hooked.yaml",
               std::string("id: hooked\nsource:\n  connection: db\n  table: src\n"
                           "  time_column: event_time\ntarget:\n  connection: db\n"
                           "  table: dst\nwindow:\n  granularity: 1d\n"
                           "  start_date: 2024-01-01\nnotifications:\n  webhooks:\n"
                           "    - url: https://hooks.example.com/") +
                   kHookSecret + "\n");
    auto loaded = config::load_config(config);
    REQUIRE(loaded);
    api = std::make_unique<TestServices>(
        with_api_tokens(std::move(*loaded)), db.url(),
        std::chrono::floor<Seconds>(std::chrono::system_clock::now()));
  }

  api::Response call(const std::string& method, const std::string& target, Role role = Role::admin,
                     const std::string& body = "", const std::string& type = "application/json") {
    auto r = test::call(*api, method, target, role, body, type);
    // Every answer of every API test is scanned for the tokens and the config's secrets.
    for (const char* secret :
         {kViewerToken, kOperatorToken, kAdminToken, kHookSecret, kConnectionSecret}) {
      INFO(method << " " << target << ": " << r.body);
      CHECK(r.body.find(secret) == std::string::npos);
    }
    answers.push_back(r.body);
    return r;
  }
  json get(const std::string& target, Role role = Role::viewer) {
    const auto r = call("GET", target, role);
    INFO(target << ": " << r.body);
    REQUIRE(r.status == 200);
    return json::parse(r.body);
  }
  json ctl_json(std::vector<std::string> args) const {
    args.insert(args.begin(), {"-o", "json"});
    const auto r = ctl(args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return json::parse(r.out);
  }
};

// A request the API must refuse: its status and the field the problem names.
struct Refusal {
  const char* method;
  std::string target, body;
  int status;
  const char* field;
  std::string type = "application/json";
};

// Each case answered with its problem+json, as an admin (no role stands in the way), and
// the database exactly as before them all.
inline void check_refusals(ApiEnv& e, const std::vector<Refusal>& cases) {
  const auto before = database_fingerprint(*e.c);
  for (const auto& c : cases) {
    INFO(c.method << " " << c.target << " " << c.body);
    const auto r = e.call(c.method, c.target, Role::admin, c.body, c.type);
    INFO(r.body);
    CHECK(r.status == c.status);
    CHECK(r.content_type == "application/problem+json");
    const auto p = json::parse(r.body);
    CHECK(p.value("status", 0) == c.status);
    CHECK(p.value("field", "") == c.field);
    CHECK_FALSE(p.value("detail", "").empty());
  }
  CHECK(database_fingerprint(*e.c) == before);
}

}  // namespace sluice::test
