#pragma once
// The HTTP adapter's keys, typed (keys.cpp binds them next to their tables). A source
// section and its pagination bind straight into the options the source runs with; the
// connection's secrets are checked before they become ClientOptions.
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

#include "framework/adapters/http/source.hpp"
#include "framework/schema/bind.hpp"

namespace sluice::adapters::http {

struct ConnectionSettings {
  std::optional<config::Secret> base_url;
  std::optional<config::Secret> auth_header;
  std::string auth_header_name;
  config::NamedStrings headers;
  std::chrono::milliseconds timeout;
  std::chrono::milliseconds connect_timeout;
  double rate_limit;
  int max_retries;
  std::chrono::milliseconds max_retry_delay;
  bool tls_verify;
  std::size_t page_max_bytes;
  std::size_t max_json_depth;
};
const config::Binding<ConnectionSettings>& connection_binding();

// Fills every member but `client` and `zone`, which are no keys of the section.
const config::Binding<SourceOptions>& source_binding();

}  // namespace sluice::adapters::http
