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

using Digest = std::array<unsigned char, SHA256_DIGEST_LENGTH>;

Digest digest(std::string_view text) {
  Digest d{};
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), d.data());
  return d;
}

tl::unexpected<Problem> unauthorized(std::string detail) {
  return refuse({.status = 401,
                 .detail = std::move(detail),
                 .field = "Authorization",
                 .headers = {{"WWW-Authenticate", "Bearer realm=\"sluice\""}}});
}

}  // namespace

bool same_secret(std::string_view a, std::string_view b) {
  const Digest da = digest(a), db = digest(b);
  return CRYPTO_memcmp(da.data(), db.data(), da.size()) == 0;
}

Answer<Caller> authenticate(std::string_view authorization,
                            std::span<const config::HttpToken> tokens) {
  if (authorization.empty()) return unauthorized("this route needs Authorization: Bearer <token>");
  constexpr std::string_view scheme = "Bearer ";
  if (authorization.size() <= scheme.size() ||
      !ascii_iequals(scheme, authorization.substr(0, scheme.size())))
    return unauthorized("the Authorization header is not `Bearer <token>`");
  const auto presented = authorization.substr(scheme.size());
  const config::HttpToken* match = nullptr;
  for (const auto& t : tokens) {
    // No early exit: the time taken does not say how many tokens come before the match.
    if (same_secret(presented, t.token.reveal()) && !t.token.reveal().empty() && !match) match = &t;
  }
  if (!match) return unauthorized("the token is not one of http.tokens");
  return Caller{match->name, parse_role(match->role).value_or(Role::none)};
}

}  // namespace sluice::api
