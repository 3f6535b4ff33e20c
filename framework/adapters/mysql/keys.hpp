#pragma once
// The MySQL / MariaDB connection keys, typed (keys.cpp binds them next to their table).
#include <chrono>
#include <optional>
#include <string>

#include "framework/schema/bind.hpp"

namespace sluice::adapters::mysql {

struct ConnectionSettings {
  std::optional<config::Secret> url;
  std::optional<std::string> host;
  std::optional<unsigned> port;  // none: 3306
  std::string database;
  std::string user;
  std::optional<config::Secret> password;
  // Written beside a URL they override it; their defaults do not.
  config::Written<std::string> ssl_mode;
  config::Written<std::string> charset;
  config::Written<std::chrono::seconds> connect_timeout;
};
const config::Binding<ConnectionSettings>& connection_binding();

}  // namespace sluice::adapters::mysql
