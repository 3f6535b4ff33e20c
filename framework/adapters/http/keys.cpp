// HTTP JSON APIs as a source (libcurl): window templates, pagination, auth from a secret.
#include "framework/adapters/http/keys.hpp"

#include <fmt/format.h>

#include "framework/adapters/common_keys.hpp"
#include "framework/adapters/http/source.hpp"
#include "framework/adapters/registry.hpp"
#include "framework/net/url.hpp"
#include "framework/schema/identifier.hpp"

using sluice::config::KeyTable;
using sluice::config::KeyType;
using sluice::config::Secrecy;

namespace sluice::adapters {
namespace {

std::string check_header_name(std::string_view text) {
  for (char c : text) {
    if (c <= ' ' || c == ':' || c >= 127) return "a header name has no spaces, ':' or controls";
  }
  return {};
}

const KeyTable& http_connection_keys() {
  static const KeyTable t{
      "http connection",
      "An HTTP API.",
      {
          {.name = "base_url",
           .type = KeyType::string,
           .description = "`https://api.example.com`; the source's `path` is appended.",
           .required = true,
           .secret = Secrecy::url,
           .check = check_http_url},
          {.name = "auth_header",
           .type = KeyType::string,
           .description = "Value of the auth header: `Bearer ${env:API_TOKEN}`.",
           .secret = Secrecy::opaque},
          {.name = "auth_header_name",
           .type = KeyType::string,
           .description = "Header that carries `auth_header`.",
           .default_value = "Authorization",
           .check = check_header_name},
          {.name = "headers",
           .type = KeyType::string_map,
           .description = "Extra request headers (not secret; use `auth_header` for secrets).",
           .default_value = "{}",
           .check = check_header_name},
          {.name = "timeout",
           .type = KeyType::duration,
           .description = "Longest a single request may take.",
           .default_value = "30s"},
          {.name = "connect_timeout",
           .type = KeyType::duration,
           .description = "Give up connecting after this long.",
           .default_value = "10s"},
          {.name = "rate_limit",
           .type = KeyType::number,
           .description = "Requests per second at most; 0 is unlimited.",
           .default_value = "0",
           .min = 0},
          {.name = "max_retries",
           .type = KeyType::integer,
           .description = "Retries of one request on 429 and 5xx (Retry-After honoured).",
           .default_value = "5",
           .min = 0,
           .max = 100},
          {.name = "max_retry_delay",
           .type = KeyType::duration,
           .description = "Longest wait before a retry, whatever Retry-After asks for.",
           .default_value = "60s"},
          {.name = "tls_verify",
           .type = KeyType::boolean,
           .description = "Verify the server's certificate.",
           .default_value = "true"},
          {.name = "page_max_bytes",
           .type = KeyType::integer,
           .description = "Largest response (a page, a count answer) in bytes, after "
                          "decompression; the default is 64 MiB. A larger one fails the window "
                          "(permanent) as soon as it is passed, and the buffer that receives it "
                          "never grows beyond this.",
           .default_value = "67108864",
           .min = 1024,
           .max = 1073741824},
          max_json_depth_key("Deepest nesting of objects and arrays in a response; a deeper one "
                             "fails the window (permanent), naming the page and the byte."),
      }};
  return t;
}

const KeyTable& pagination_keys() {
  static const KeyTable t{
      "http source pagination",
      "How the pages of one window's records are walked.",
      {
          {.name = "type",
           .type = KeyType::choice,
           .description = "`page` (page number), `offset`, `next_link` (URL in the response), "
                          "`cursor` (token in the response), `search_after` (sort values of "
                          "the last record), or `none`.",
           .default_value = "none",
           .choices = {"none", "page", "offset", "next_link", "cursor", "search_after"}},
          {.name = "page_size",
           .type = KeyType::integer,
           .description = "Records asked for per page.",
           .default_value = "100",
           .min = 1,
           .max = 1000000},
          {.name = "size_param",
           .type = KeyType::string,
           .description = "Query parameter of the page size.",
           .default_value = "size"},
          {.name = "page_param",
           .type = KeyType::string,
           .description = "Query parameter of the page number (`page`).",
           .default_value = "page"},
          {.name = "first_page",
           .type = KeyType::integer,
           .description = "Number of the first page (`page`).",
           .default_value = "1",
           .min = 0},
          {.name = "offset_param",
           .type = KeyType::string,
           .description = "Query parameter of the offset (`offset`).",
           .default_value = "offset"},
          {.name = "cursor_param",
           .type = KeyType::string,
           .description = "Query parameter of the cursor (`cursor`) or of the sort values "
                          "(`search_after`).",
           .default_value = "cursor"},
          {.name = "next_pointer",
           .type = KeyType::string,
           .description = "JSON pointer to the next link (`next_link`; unset: the `Link` "
                          "header's rel=\"next\"), the next cursor (`cursor`) or, within a "
                          "record, its sort values (`search_after`, sent comma-separated).",
           .check = check_json_pointer},
          {.name = "allowed_origins",
           .type = KeyType::string_list,
           .description = "Origins (`https://host[:port]`) a next link may lead to besides "
                          "`base_url`'s (`next_link`). A link to any other origin or scheme "
                          "fails the window (permanent) without being requested; a request to "
                          "a listed origin carries none of the connection's headers "
                          "(`auth_header`, `headers`). Redirects are never followed.",
           .default_value = "[]",
           .check = net::check_origin},
      }};
  return t;
}

const KeyTable& http_source_keys() {
  static const KeyTable t{
      "http source",
      "Requests per window; `{window_start:%FT%TZ}` and friends fill in the window.",
      {
          {.name = "path",
           .type = KeyType::field_template,
           .description = "Path and query appended to `base_url`: "
                          "`/v1/events?from={window_start:%FT%T%z}&to={window_end:%FT%T%z}`.",
           .required = true},
          {.name = "query",
           .type = KeyType::template_map,
           .description = "Query parameters appended to `path`, name -> template: "
                          "`{from: \"{window_start:%FT%T%Ez}\"}`; values are URL-encoded.",
           .default_value = "{}"},
          {.name = "method",
           .type = KeyType::choice,
           .description = "HTTP method.",
           .default_value = "GET",
           .choices = {"GET", "POST"}},
          {.name = "body",
           .type = KeyType::field_template,
           .description = "Request body template (POST), e.g. a search query with the window."},
          {.name = "records_pointer",
           .type = KeyType::string,
           .description = "JSON pointer to the array of records in a response; empty: the "
                          "response is the array.",
           .default_value = "''",
           .check = check_json_pointer},
          {.name = "columns",
           .type = KeyType::string_map,
           .description = "Column name -> JSON pointer within a record, in target column "
                          "order: `{id: /id, user: /user/name}`. Strings load decoded, "
                          "numbers and booleans as the API wrote them (no rounding), null or "
                          "missing as NULL, objects and arrays as their compact JSON text.",
           .required = true,
           .check = config::check_column_name},
          {.name = "time_column",
           .type = KeyType::column,
           .description = "Column that places a record in a window (the target's default "
                          "`time_column`). The API is trusted to return exactly the window's "
                          "records, [start, end), from the window in `path`, `query` or "
                          "`body`: the source does not filter them."},
          {.name = "pagination",
           .type = KeyType::section,
           .description = "How pages are walked.",
           .section = &pagination_keys()},
          {.name = "count_path",
           .type = KeyType::field_template,
           .description = "Path of a count endpoint for the window; without it the source "
                          "counts by reading every page."},
          {.name = "count_pointer",
           .type = KeyType::string,
           .description = "JSON pointer to the count in the count endpoint's response.",
           .default_value = "/count",
           .check = check_json_pointer},
      }};
  return t;
}

void check_source(const config::Fields& source, config::Diagnostics& diags) {
  const config::Fields* pagination = source.section("pagination");
  if (!pagination) return;
  const auto* type = pagination->get<std::string>("type");
  if (type && (*type == "cursor" || *type == "search_after") &&
      !pagination->is_set("next_pointer")) {
    pagination->error(diags, "next_pointer", "required with pagination type " + *type);
  }
  if (pagination->is_set("allowed_origins") && (!type || *type != "next_link"))
    pagination->error(diags, "allowed_origins", "only pagination type next_link follows links");
  if (const auto* columns = source.get<config::NamedStrings>("columns")) {
    bool has_time_column = false;
    const auto* time_column = source.get<std::string>("time_column");
    for (const auto& [name, pointer] : *columns) {
      if (auto problem = check_json_pointer(pointer); !problem.empty())
        source.error(diags, "columns", fmt::format("{}: {}", name, problem));
      has_time_column = has_time_column || (time_column && name == *time_column);
    }
    if (time_column && !has_time_column)
      source.error(diags, "time_column", "'" + *time_column + "' is not one of the mapped columns");
  }
  const auto* method = source.get<std::string>("method");
  if (source.is_set("body") && method && *method == "GET") {
    source.error(diags, "body", "a body needs method POST");
  }
}

const config::Binding<http::PaginationOptions>& pagination_binding() {
  using S = http::PaginationOptions;
  static const config::Binding<S> b{pagination_keys(),
                                    {
                                        {"type", &S::type, http::pagination_type},
                                        {"page_size", &S::page_size},
                                        {"size_param", &S::size_param},
                                        {"page_param", &S::page_param},
                                        {"first_page", &S::first_page},
                                        {"offset_param", &S::offset_param},
                                        {"cursor_param", &S::cursor_param},
                                        {"next_pointer", &S::next_pointer},
                                        {"allowed_origins", &S::allowed_origins},
                                    }};
  return b;
}

}  // namespace

const config::Binding<http::ConnectionSettings>& http::connection_binding() {
  using S = ConnectionSettings;
  static const config::Binding<S> b{http_connection_keys(),
                                    {
                                        {"base_url", &S::base_url},
                                        {"auth_header", &S::auth_header},
                                        {"auth_header_name", &S::auth_header_name},
                                        {"headers", &S::headers},
                                        {"timeout", &S::timeout},
                                        {"connect_timeout", &S::connect_timeout},
                                        {"rate_limit", &S::rate_limit},
                                        {"max_retries", &S::max_retries},
                                        {"max_retry_delay", &S::max_retry_delay},
                                        {"tls_verify", &S::tls_verify},
                                        {"page_max_bytes", &S::page_max_bytes},
                                        {"max_json_depth", &S::max_json_depth},
                                    }};
  return b;
}

const config::Binding<http::SourceOptions>& http::source_binding() {
  using S = SourceOptions;
  static const config::Binding<S> b{
      http_source_keys(),
      {
          {"path", &S::path},
          {"query", &S::query},
          {"method", &S::method},
          {"body", &S::body},
          {"records_pointer", &S::records_pointer},
          {"columns", &S::columns},
          {"pagination", &S::pagination, pagination_binding()},
          {"count_path", &S::count_path},
          {"count_pointer", &S::count_pointer},
      },
      {{"time_column",
        "the config model hands it to the target (build_pipeline.cpp); the API returns the "
        "window's records, the source does not filter them"}}};
  return b;
}

const AdapterInfo& http_adapter() {
  static const AdapterInfo info{
      .kind = "http",
      .description =
          "HTTP JSON APIs as a source: paginated, rate limited, retried on 429 "
          "and 5xx.",
      .roles = {Role::source},
      .connection_keys = {&http_connection_keys()},
      .source_keys = {&http_source_keys()},
      .bindings = {&http::connection_binding(), &http::source_binding()},
      .check_source = check_source,
      .make_source = http::source_from_config,
      .probe = http::probe,
  };
  return info;
}

}  // namespace sluice::adapters
