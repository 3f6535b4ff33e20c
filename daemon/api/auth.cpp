#include "daemon/api/auth.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <array>

#include "framework/core/ascii.hpp"

namespace sluice::api {

std::string_view to_string(Role role) {
  switch (role) {
    case Role::viewer: return "viewer";
    case Role::operator_: return "operator";
    case Role::admin: return "admin";
    case Role::none: break;
  }
  return "none";
}

std::optional<Role> parse_role(std::string_view text) {
  if (text == "viewer") return Role::viewer;
  if (text == "operator") return Role::operator_;
  if (text == "admin") return Role::admin;
  return std::nullopt;
}

namespace {

tl::unexpected<Problem> unauthorized(std::string detail) {
  return refuse({.status = 401,
                 .detail = std::move(detail),
                 .field = "Authorization",
                 .headers = {{"WWW-Authenticate", "Bearer realm=\"sluice\""}}});
}

}  // namespace

Sha256 sha256(std::string_view text) {
  static_assert(std::tuple_size_v<Sha256> == SHA256_DIGEST_LENGTH);
  Sha256 d{};
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), d.data());
  return d;
}

bool same_secret(std::string_view a, std::string_view b) {
  const Sha256 da = sha256(a), db = sha256(b);
  return CRYPTO_memcmp(da.data(), db.data(), da.size()) == 0;
}

Answer<Caller> authenticate(std::string_view authorization,
                            std::span<const config::HttpToken> tokens) {
  if (authorization.empty()) return unauthorized("this route needs Authorization: Bearer <token>");
  constexpr std::string_view scheme = "Bearer ";
  if (authorization.size() <= scheme.size() ||
      !ascii_iequals(scheme, authorization.substr(0, scheme.size())))
    return unauthorized("the Authorization header is not `Bearer <token>`");
  auto caller = match_token(authorization.substr(scheme.size()), tokens);
  if (!caller) return unauthorized("the token is not one of http.tokens");
  return *caller;
}

std::optional<Caller> match_token(std::string_view presented,
                                  std::span<const config::HttpToken> tokens) {
  const config::HttpToken* match = nullptr;
  for (const auto& t : tokens)
    if (same_secret(presented, t.token.reveal()) && !t.token.reveal().empty() && !match) match = &t;
  if (!match) return std::nullopt;
  return Caller{match->name, parse_role(match->role).value_or(Role::none)};
}

}  // namespace sluice::api
