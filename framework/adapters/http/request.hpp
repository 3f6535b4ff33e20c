#pragma once
// The request URLs of one window: `base_url` + the rendered `path` template + the `query`
// templates, every value from the window percent-encoded (a `+02:00` offset would otherwise
// arrive as a space), then the pagination parameters.
#include <string>
#include <string_view>

#include "framework/schema/fields.hpp"
#include "framework/time/field_template.hpp"

namespace sluice::adapters::http {

// RFC 3986 percent-encoding of everything but unreserved characters and `/ : @`, which are
// legal in paths and query values and keep rendered dates and paths readable.
std::string url_encode(std::string_view value);

// Appends `name=value` (both encoded) after `?` or `&`.
std::string add_query(std::string url, std::string_view name, std::string_view value);

struct UrlTemplate {
  std::string base_url;          // `https://api.example.com` (may hold a resolved secret)
  time::FieldTemplate path;      // `/v1/events?from={window_start:%FT%TZ}`
  config::NamedTemplates query;  // name -> template, appended in order

  std::string render(const time::TemplateContext& ctx) const;
};

// The `rel="next"` target of an RFC 8288 Link header; empty when there is none.
std::string next_from_link_header(std::string_view header);

}  // namespace sluice::adapters::http
