#include "daemon/api/exchange.hpp"

namespace sluice::api {

std::string_view status_title(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 428: return "Precondition Required";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

Response problem_response(const Problem& problem, std::string_view instance) {
  nlohmann::json body{{"type", "about:blank"},
                      {"title", status_title(problem.status)},
                      {"status", problem.status},
                      {"detail", problem.detail}};
  if (!instance.empty()) body["instance"] = instance;
  if (!problem.field.empty()) body["field"] = problem.field;
  if (!problem.suggestion.empty()) body["suggestion"] = problem.suggestion;
  if (problem.errors.is_array()) body["errors"] = problem.errors;
  return {.status = problem.status,
          .content_type = "application/problem+json",
          .body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
          .headers = problem.headers};
}

Response json_response(int status, const nlohmann::json& body) {
  return {.status = status,
          .body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

Response ordered_json_response(int status, const nlohmann::ordered_json& body) {
  return {.status = status,
          .body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

}  // namespace sluice::api
