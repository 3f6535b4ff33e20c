#include "tests/support/paths.hpp"

#include <random>
#include <system_error>

namespace sluice::test {

std::filesystem::path data_dir() {
  return SLUICE_TEST_DATA_DIR;
}
std::filesystem::path binary_dir() {
  return SLUICE_BINARY_DIR;
}

TempDir::TempDir() {
  std::random_device rd;
  for (;;) {
    auto candidate = std::filesystem::temp_directory_path() /
                     ("sluice-test-" + std::to_string(rd()) + std::to_string(rd()));
    if (std::filesystem::create_directory(candidate)) {
      path_ = candidate;
      return;
    }
  }
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace sluice::test
