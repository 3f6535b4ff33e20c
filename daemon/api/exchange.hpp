#pragma once
// The API's view of one HTTP exchange, free of sockets: the server (daemon/sluiced/http_*)
// fills a Request and writes the Response, so routing, parsing, roles and refusals are
// tested and fuzzed without a connection.
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

namespace sluice::api {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method{};         // as sent: GET, POST, ...
  std::string target{};         // path and query, as sent
  std::string authorization{};  // the header's value
  std::string content_type{};
  std::string body{};
  std::string client{};  // the peer's address, for the audit log
  // The console's: its session cookie and CSRF header, and what the browser caches or accepts.
  std::string cookie{};
  std::string csrf_token{};  // X-CSRF-Token
  std::string if_none_match{};
  std::string if_match{};  // a catalog change: the version it was made from
  std::string accept_encoding{};
  bool tls = false;  // came over HTTPS: the session cookie is Secure
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  Headers headers{};    // besides Content-Type: Allow, WWW-Authenticate, Retry-After
  std::string route{};  // the matched route's pattern (metrics' label); empty when none
};

// RFC 9457 problem details. `field` names the input at fault as the client wrote it: a
// query parameter (`limit`), a body member (`from`), a path part (`id`) or a header.
struct Problem {
  int status = 400;
  std::string detail;
  std::string field{};
  std::string suggestion{};  // "did you mean" for an unknown pipeline
  Headers headers{};
  nlohmann::json errors{};  // an array: every error of a refused definition (422, 409)
};

// A handler's answer, or the Problem that refused the request (and changed nothing).
template <class T>
using Answer = tl::expected<T, Problem>;

inline tl::unexpected<Problem> refuse(Problem p) {
  return tl::unexpected<Problem>(std::move(p));
}
inline tl::unexpected<Problem> bad_input(std::string field, std::string detail) {
  return refuse({.status = 400, .detail = std::move(detail), .field = std::move(field)});
}

// The reason phrase of a status code ("Not Found"), and the Problem as application/problem+json.
std::string_view status_title(int status);
Response problem_response(const Problem& problem, std::string_view instance);
Response json_response(int status, const nlohmann::json& body);
// Members in the order given (a config's keys, a table's columns).
Response ordered_json_response(int status, const nlohmann::ordered_json& body);

}  // namespace sluice::api
