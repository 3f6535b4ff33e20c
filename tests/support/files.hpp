#pragma once
#include <filesystem>
#include <string>
#include <string_view>

namespace sluice::test {

// Writes `text` to `path`, creating the parent directories.
void write_file(const std::filesystem::path& path, std::string_view text);
std::string read_file(const std::filesystem::path& path);

}  // namespace sluice::test
