#include "framework/schema/diagnostic.hpp"

#include <algorithm>

#include "framework/schema/credentials.hpp"
#include "framework/schema/secret.hpp"

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

void Diagnostics::warning(Location where, std::string path, std::string message) {
  warnings_.push_back({std::move(where), std::move(path), std::move(message)});
}

void Diagnostics::mask(std::string_view scalar) {
  if (masks_.contains(scalar)) return;
  masks_.emplace(std::string(scalar), shown_scalar(scalar, std::string::npos));
  // A message may quote a piece of the scalar (a cron field, a token): the credential is
  // masked wherever it appears. Very short ones are left to the whole-scalar mask, or
  // every message would lose its every `a`.
  for (auto& part : credential_parts(scalar)) {
    if (part.size() >= 4) mask_parts_.insert(std::move(part));
  }
}

Diagnostics Diagnostics::with_same_masks() const {
  Diagnostics out;
  out.masks_ = masks_;
  out.mask_parts_ = mask_parts_;
  return out;
}

std::string Diagnostics::masked(std::string text) const {
  std::vector<const std::pair<const std::string, std::string>*> longest_first;
  for (const auto& m : masks_) longest_first.push_back(&m);
  std::sort(longest_first.begin(), longest_first.end(),
            [](auto* a, auto* b) { return a->first.size() > b->first.size(); });
  const auto replace_all = [&](std::string_view what, std::string_view with) {
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + with.size()))
      text.replace(at, what.size(), with);
  };
  for (const auto* m : longest_first) replace_all(m->first, m->second);
  for (const auto& part : mask_parts_) replace_all(part, kRedacted);
  return text;
}

std::vector<Diagnostic> Diagnostics::sorted() const {
  return prepared(items_);
}

std::vector<Diagnostic> Diagnostics::sorted_warnings() const {
  return prepared(warnings_);
}

std::vector<Diagnostic> Diagnostics::prepared(std::vector<Diagnostic> out) const {
  if (!masks_.empty()) {
    for (auto& d : out) {
      d.path = masked(std::move(d.path));
      d.message = masked(std::move(d.message));
    }
  }
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
