#include "tests/support/private_cluster.hpp"

#include <stdexcept>

#include "tests/support/process.hpp"

namespace sluice::test {

PrivateCluster::PrivateCluster(std::uint16_t port) : dir_(dir_root_.path() / "pg") {
  url_ = shell("SLUICE_PG_PORT=" + std::to_string(port) +
               " pg_start \"$D\" sluice_restart >/dev/null && echo $SLUICE_DATABASE_URL");
}

PrivateCluster::~PrivateCluster() {
  try {
    shell("pg_stop \"$D\"; rm -rf \"$(pg_resolve_dir \"$D\")\"");
  } catch (...) {  // a destructor does not throw; the directory goes with dir_root_
  }
}

void PrivateCluster::stop() {
  shell("pg_stop \"$D\"");
}

void PrivateCluster::crash() {
  shell(
      "pg_as_owner \"$(pg_bindir)/pg_ctl\" -D \"$(pg_resolve_dir \"$D\")/data\" -m immediate -w "
      "stop >/dev/null");
}

void PrivateCluster::start() {
  shell(
      "SLUICE_PG_PORT=$(cat \"$(pg_resolve_dir \"$D\")/port\") pg_start \"$D\" sluice_restart "
      ">/dev/null");
}

std::string PrivateCluster::shell(const std::string& script) {
  const auto lib = (data_dir() / ".." / ".." / "deploy" / "lib" / "pg.sh").string();
  auto r = run_process(
      {"/bin/bash", "-c", "source \"$0\" && D=\"$1\" && " + script, lib, dir_.string()});
  if (r.exit_code != 0) throw std::runtime_error("pg.sh failed: " + r.err);
  while (!r.out.empty() && r.out.back() == '\n') r.out.pop_back();
  return r.out;
}

}  // namespace sluice::test
