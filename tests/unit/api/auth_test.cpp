// Bearer tokens and roles (daemon/api/auth.*).
#include <catch2/catch.hpp>

#include "daemon/api/auth.hpp"

using namespace sluice;
using api::Role;

namespace {

std::vector<config::HttpToken> tokens() {
  using config::Secrecy;
  using config::Secret;
  return {{"dash", "viewer", Secret::literal("viewer-token-0123456789", Secrecy::opaque)},
          {"ci", "operator", Secret::literal("operator-token-0123456789", Secrecy::opaque)},
          {"root", "admin", Secret::literal("admin-token-0123456789", Secrecy::opaque)},
          {"odd", "superuser", Secret::literal("odd-token-0123456789", Secrecy::opaque)}};
}

}  // namespace

TEST_CASE("a bearer token names its holder and role", "[api][auth]") {
  const auto t = tokens();
  const auto ci = api::authenticate("Bearer operator-token-0123456789", t);
  REQUIRE(ci);
  CHECK(ci->name == "ci");
  CHECK(ci->role == Role::operator_);
  CHECK(api::authenticate("bearer admin-token-0123456789", t)->role == Role::admin);
  // A role the config's check would refuse gives no rights rather than a default.
  CHECK(api::authenticate("Bearer odd-token-0123456789", t)->role == Role::none);
}

TEST_CASE("a missing, malformed or unknown token is 401 and says nothing of the tokens",
          "[api][auth]") {
  const auto t = tokens();
  for (const char* header : {"", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz",
                             "Bearer operator-token-012345678", "Bearer operator-token-01234567890",
                             "Bearer  operator-token-0123456789", "operator-token-0123456789"}) {
    INFO(header);
    const auto r = api::authenticate(header, t);
    REQUIRE_FALSE(r);
    CHECK(r.error().status == 401);
    CHECK(r.error().headers.at(0).first == "WWW-Authenticate");
    for (const auto& token : t)
      CHECK(r.error().detail.find(token.token.reveal()) == std::string::npos);
  }
}

TEST_CASE("roles are ordered: each has the rights of the one below", "[api][auth]") {
  CHECK(Role::viewer < Role::operator_);
  CHECK(Role::operator_ < Role::admin);
  CHECK(api::parse_role("operator") == Role::operator_);
  CHECK_FALSE(api::parse_role("root"));
  CHECK(api::same_secret("abc", "abc"));
  CHECK_FALSE(api::same_secret("abc", "abd"));
  CHECK_FALSE(api::same_secret("abc", "abcd"));
}
