#include "framework/config/diagnostic.hpp"

#include <algorithm>

namespace sluice::config {

std::string to_string(const Location& where) {
  if (where.line <= 0) return where.file;
  return where.file + ":" + std::to_string(where.line) + ":" + std::to_string(where.column);
}

std::string to_string(const Diagnostic& d) {
  std::string text = to_string(d.where) + ": ";
  if (!d.path.empty()) text += d.path + ": ";
  return text + d.message;
}

void Diagnostics::error(Location where, std::string path, std::string message) {
  items_.push_back({std::move(where), std::move(path), std::move(message)});
}

std::vector<Diagnostic> Diagnostics::sorted() const {
  auto out = items_;
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string join_path(const std::string& prefix, std::string_view key) {
  if (prefix.empty()) return std::string(key);
  if (key.empty()) return prefix;
  if (key.front() == '[') return prefix + std::string(key);
  return prefix + "." + std::string(key);
}

}  // namespace sluice::config
