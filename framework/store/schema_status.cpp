// The pure half of the migration runner: which migrations are where, and what to say.
#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "framework/store/embedded.hpp"
#include "framework/store/migrations.hpp"

namespace sluice::store {
namespace {

std::string label_of(int version, std::string_view name) {
  return fmt::format("{:04}_{}", version, name);
}

template <class Items>
std::string labels(const Items& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item.label();
  return out;
}

std::string short_sum(const std::string& checksum) {
  return checksum.substr(0, 12);
}

}  // namespace

std::string Migration::label() const {
  return label_of(version, name);
}
std::string AppliedMigration::label() const {
  return label_of(version, name);
}

const std::vector<Migration>& embedded_migrations() {
  static const std::vector<Migration> all = [] {
    std::vector<Migration> out;
    for (std::size_t i = 0; i < detail::kEmbeddedMigrationCount; ++i) {
      const auto& m = detail::kEmbeddedMigrations[i];
      out.push_back({m.version, m.name, m.checksum, m.sql});
    }
    return out;
  }();
  return all;
}

bool SchemaStatus::up_to_date() const {
  return pending.empty() && skipped.empty() && unknown.empty() && changed.empty() &&
         differences.empty();
}

SchemaStatus compare_schema(std::span<const Migration> known,
                            std::span<const AppliedMigration> applied) {
  SchemaStatus s;
  std::map<int, const AppliedMigration*> by_version;
  for (const auto& a : applied) {
    by_version[a.version] = &a;
    s.current_version = std::max(s.current_version, a.version);
  }
  s.applied.assign(applied.begin(), applied.end());
  std::ranges::sort(s.applied, {}, &AppliedMigration::version);

  std::map<int, const Migration*> known_by_version;
  for (const auto& m : known) {
    known_by_version[m.version] = &m;
    s.expected_version = std::max(s.expected_version, m.version);
  }
  for (const auto& [version, m] : known_by_version) {
    auto it = by_version.find(version);
    if (it == by_version.end()) {
      (version > s.current_version ? s.pending : s.skipped).push_back(*m);
    } else if (it->second->checksum != m->checksum || it->second->name != m->name) {
      s.changed.push_back({*m, *it->second});
    }
  }
  for (const auto& a : s.applied) {
    if (!known_by_version.contains(a.version)) s.unknown.push_back(a);
  }
  return s;
}

std::vector<std::string> SchemaStatus::problems(std::string_view program) const {
  std::vector<std::string> out;
  for (const auto& c : changed) {
    if (c.applied.name != c.known.name) {
      out.push_back(fmt::format(
          "migration {} was applied to the database as {}: a migration file was renamed or "
          "renumbered after it was applied",
          c.known.label(), c.applied.label()));
    } else {
      out.push_back(fmt::format(
          "migration {} was edited after it was applied (checksum in the database {}..., "
          "in this {} {}...): restore the original file and put the change in a new "
          "migration",
          c.known.label(), short_sum(c.applied.checksum), program, short_sum(c.known.checksum)));
    }
  }
  for (const auto& m : skipped) {
    out.push_back(fmt::format(
        "migration {} is not applied although later ones are (the database is at version "
        "{}): migrations apply in order; renumber it after {:04}",
        m.label(), current_version, current_version));
  }
  if (!unknown.empty()) {
    out.push_back(fmt::format(
        "the database has migrations this {} does not know ({}): the schema is newer than "
        "this {} (it knows up to version {}); upgrade {}",
        program, labels(unknown), program, expected_version, program));
  }
  return out;
}

std::optional<std::string> schema_problem(const SchemaStatus& status, std::string_view program) {
  auto problems = status.problems(program);
  if (!status.pending.empty() && problems.empty()) {
    return fmt::format(
        "database schema is at version {}, this {} needs {}: run `sluicectl db "
        "migrate` (pending: {})",
        status.current_version, program, status.expected_version, labels(status.pending));
  }
  if (problems.empty() && !status.differences.empty()) {
    std::string out = fmt::format(
        "database schema is at version {} but differs from what this {} uses (changed by "
        "hand?): ",
        status.current_version, program);
    for (std::size_t i = 0; i < status.differences.size(); ++i)
      out += (i ? "; " : "") + status.differences[i];
    return out;
  }
  if (problems.empty()) return std::nullopt;
  std::string out =
      fmt::format("database schema is at version {}, this {} needs {}: ", status.current_version,
                  program, status.expected_version);
  for (std::size_t i = 0; i < problems.size(); ++i) out += (i ? "; " : "") + problems[i];
  return out;
}

}  // namespace sluice::store
