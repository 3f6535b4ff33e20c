#include "daemon/sluiced/app.hpp"

#include <cstdlib>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

namespace sluice::daemon {

int main(int argc, char** argv) {
  CLI::App app{"sluiced: the sluice scheduler daemon", "sluiced"};
  std::string config_path = std::getenv("SLUICE_CONFIG") ? std::getenv("SLUICE_CONFIG")
                                                          : "/etc/sluice/sluice.yaml";
  std::string database_url;
  app.set_version_flag("--version", SLUICE_VERSION);
  app.add_option("-c,--config", config_path, "daemon config file (env SLUICE_CONFIG)");
  app.add_option("--database-url", database_url,
                 "PostgreSQL URL; overrides SLUICE_DATABASE_URL and the config file");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  std::cerr << "sluiced: nothing to run yet\n";
  return 1;
}

}  // namespace sluice::daemon
