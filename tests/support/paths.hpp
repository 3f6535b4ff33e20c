#pragma once
#include <filesystem>
#include <string>

namespace sluice::test {

// tests/data in the source tree.
std::filesystem::path data_dir();
// The build tree (where sluicectl and sluiced are).
std::filesystem::path binary_dir();
// A fresh, empty directory under the system temp dir, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace sluice::test
