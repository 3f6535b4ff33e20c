#pragma once
// A PostgreSQL cluster of one test's own (deploy/lib/pg.sh), so stopping it leaves the other
// tests' server alone. Its port is above the kernel's ephemeral range (32768-60999): while the
// cluster is down, a client socket of a test running beside this one (the HTTP tests hold a
// thousand) could otherwise be given that port, and the restart would find it taken. Each
// test that uses one names its own port, so tests running at once never share a cluster.
#include <cstdint>
#include <filesystem>
#include <string>

#include "tests/support/paths.hpp"

namespace sluice::test {

class PrivateCluster {
 public:
  explicit PrivateCluster(std::uint16_t port);  // throws when pg.sh fails
  ~PrivateCluster();
  PrivateCluster(const PrivateCluster&) = delete;
  PrivateCluster& operator=(const PrivateCluster&) = delete;

  const std::string& url() const { return url_; }
  void stop();
  // Stops the server as a crash would (immediate: no checkpoint, and commits not yet flushed
  // from its WAL buffers lost); start() recovers it.
  void crash();
  void start();  // on the same port as before, so a daemon's URL stays right

 private:
  std::string shell(const std::string& script);

  TempDir dir_root_;
  std::filesystem::path dir_;
  std::string url_;
};

}  // namespace sluice::test
