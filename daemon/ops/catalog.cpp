#include "daemon/ops/catalog.hpp"

#include <algorithm>
#include <sstream>

#include <dtl/dtl.hpp>

#include "framework/config/load.hpp"
#include "framework/core/utf8.hpp"
#include "framework/schema/document_check.hpp"

namespace sluice::ops {
namespace {

using Kind = Refusal::Kind;

// Everything that loads now, with the catalog read from the database: (a) as it is, (b) with
// `candidate` in place of its id's current definition.
Outcome<config::Config> load(const CatalogScope& scope,
                             const std::vector<config::CatalogDefinition>& catalog) {
  config::LoadOptions options;
  options.catalog = &catalog;
  auto loaded = config::load_config_isolating(scope.daemon_file, options);
  if (!loaded) {
    std::string message = "the daemon file " + scope.daemon_file.string() + " does not load:";
    for (const auto& d : loaded.error()) message += "\n  " + config::to_string(d);
    return refused(Kind::failed, "", message);
  }
  return std::move(*loaded);
}

Outcome<std::vector<config::CatalogDefinition>> current_catalog(store::Connection& c) {
  auto current = store::Catalog(c).current();
  if (!current) return store_failed(current.error());
  return loader_definitions(std::move(*current));
}

bool is_file(const std::filesystem::path& p) {
  return !p.string().starts_with(config::kCatalogPrefix);
}

Outcome<void> refuse_verdict(const Verdict& v, const std::string& id) {
  if (v.file_clash)
    return tl::unexpected(Refusal{
        Kind::conflict,
        "id",
        "pipeline '" + id + "' is defined in the file " + config::to_string(*v.file_clash) +
            ": remove the file first (`sluicectl pipelines apply -f` it afterwards), or pick "
            "another id",
        {},
        {},
        v.errors});
  if (!v.errors.empty()) {
    const auto n = v.errors.size();
    return tl::unexpected(Refusal{Kind::invalid,
                                  "",
                                  std::to_string(n) + " error" + (n == 1 ? "" : "s") +
                                      " in the definition; nothing was stored",
                                  {},
                                  {},
                                  v.errors});
  }
  return {};
}

Outcome<CatalogChange> appended(const Outcome<store::Appended>& a, const std::string& id,
                                std::vector<config::Diagnostic> warnings) {
  if (!a) return tl::unexpected(a.error());
  using O = store::Appended::Outcome;
  switch (a->outcome) {
    case O::added:
      return CatalogChange{PipelineId{id}, a->version, a->checksum, std::move(warnings)};
    case O::exists:
      return refused(Kind::conflict, "id",
                     "pipeline '" + id + "' is in the catalog already (version " +
                         std::to_string(a->current) + "): update it instead");
    case O::missing:
      return refused(Kind::not_found, "id",
                     "pipeline '" + id + "' is not in the catalog" +
                         std::string(a->current_deleted ? " (deleted)" : ""));
    case O::stale: {
      Refusal r{Kind::stale, "If-Match",
                "pipeline '" + id + "' is at version " + std::to_string(a->current) +
                    ": another change came first; read it, then change that version"};
      r.current = a->current;
      return tl::unexpected(std::move(r));
    }
  }
  return refused(Kind::failed, "", "unexpected catalog outcome");
}

Outcome<store::Appended> store_version(store::Connection& c, const store::NewVersion& v,
                                       const store::Expect& expect,
                                       const store::AuditEntry& audit) {
  auto a = store::Catalog(c).append(v, expect, audit);
  if (!a) return store_failed(a.error());
  return *a;
}

// Checked, then stored: the validator's refusal, or the append's.
Outcome<CatalogChange> checked_append(const CatalogScope& scope, const std::string& id,
                                      const store::NewVersion& v, const store::Expect& expect,
                                      const store::AuditEntry& audit) {
  auto verdict = check_definition(scope, v.yaml, id);
  if (!verdict) return tl::unexpected(verdict.error());
  if (auto r = refuse_verdict(*verdict, id); !r) return tl::unexpected(r.error());
  return appended(store_version(scope.connection, v, expect, audit), id, verdict->warnings);
}

}  // namespace

std::vector<config::CatalogDefinition> loader_definitions(std::vector<store::Definition> current) {
  std::vector<config::CatalogDefinition> out;
  out.reserve(current.size());
  for (auto& d : current) out.push_back({d.pipeline.value, d.version, std::move(d.yaml)});
  return out;
}

std::string definition_id(const std::string& yaml) {
  config::Diagnostics ignored;
  const auto docs = config::parse_yaml_text(yaml, "", ignored);
  if (!docs || docs->size() != 1 || !(*docs)[0].IsMap()) return {};
  const auto id = (*docs)[0]["id"];
  return id && id.IsScalar() ? id.Scalar() : std::string();
}

Outcome<Verdict> check_definition(const CatalogScope& scope, const std::string& yaml,
                                  const std::string& id_given) {
  Verdict v;
  v.id = id_given.empty() ? definition_id(yaml) : id_given;
  const std::string name = v.id.empty() ? std::string("(no id)") : v.id;
  const config::CatalogDefinition candidate{name, 0, yaml};
  const std::string shown = config::catalog_location(candidate);
  // Stored text is kept exactly: bytes PostgreSQL's text refuses are refused here, where
  // they can be named, rather than altered on the way in.
  if (yaml.size() > config::kMaxConfigFileBytes) {
    v.errors.push_back({{shown, 0, 0},
                        "",
                        "the definition is " + std::to_string(yaml.size()) +
                            " bytes, over the limit of a pipeline file (" +
                            std::to_string(config::kMaxConfigFileBytes) + ")"});
    return v;
  }
  if (!is_storable_text(yaml)) {
    config::Diagnostics d;
    config::parse_yaml_text(yaml, shown, d);
    v.errors = d.sorted();
    if (v.errors.empty())
      v.errors.push_back({{shown, 1, 1}, "", "the definition holds a NUL byte"});
    return v;
  }
  auto catalog = current_catalog(scope.connection);
  if (!catalog) return tl::unexpected(catalog.error());
  auto before = load(scope, *catalog);
  if (!before) return tl::unexpected(before.error());
  std::erase_if(*catalog, [&](const auto& d) { return d.id == name; });
  catalog->push_back(candidate);
  auto after = load(scope, *catalog);
  if (!after) return tl::unexpected(after.error());

  for (const auto& q : after->quarantined) {
    if (q.file == config::catalog_file(name)) {
      for (const auto& d : q.errors)
        if (d.where.file == shown) v.errors.push_back(d);
      continue;
    }
    // A pipeline that loads now and would not: the candidate broke it (a cycle, a file
    // with the same id).
    if (before->find_pipeline(q.pipeline.value) == nullptr) continue;
    if (is_file(q.file) && q.pipeline.value == name) {
      const auto* p = before->find_pipeline(name);
      v.file_clash = p && p->fields.is_set("id") ? p->fields.where_of("id")
                                                 : config::Location{q.file.string(), 0, 0};
      continue;
    }
    for (const auto& d : q.errors) v.errors.push_back(d);
  }
  // A file with this id that is quarantined anyway is a clash all the same.
  if (!v.file_clash)
    for (const auto& q : before->quarantined)
      if (is_file(q.file) && q.pipeline.value == name)
        v.file_clash = config::Location{q.file, 0, 0};
  for (const auto& w : after->warnings)
    if (w.where.file == shown) v.warnings.push_back(w);
  std::sort(v.errors.begin(), v.errors.end());
  v.errors.erase(std::unique(v.errors.begin(), v.errors.end()), v.errors.end());
  return v;
}

Outcome<CatalogChange> create_definition(const CatalogScope& scope, const std::string& yaml,
                                         const std::string& comment,
                                         const store::AuditEntry& audit) {
  auto verdict = check_definition(scope, yaml);
  if (!verdict) return tl::unexpected(verdict.error());
  if (verdict->id.empty() && verdict->errors.empty())
    verdict->errors.push_back({{"catalog:(no id)@new", 1, 1}, "id", "a pipeline needs an id"});
  if (auto r = refuse_verdict(*verdict, verdict->id); !r) return tl::unexpected(r.error());
  store::AuditEntry a = audit;
  a.pipeline = PipelineId{verdict->id};
  a.message = comment;
  return appended(store_version(scope.connection, {PipelineId{verdict->id}, yaml, comment, false},
                                {store::Expect::Kind::absent}, a),
                  verdict->id, verdict->warnings);
}

Outcome<CatalogChange> update_definition(const CatalogScope& scope, const std::string& id,
                                         const std::string& yaml, std::optional<int> if_match,
                                         const std::string& comment,
                                         const store::AuditEntry& audit) {
  if (const auto named = definition_id(yaml); !named.empty() && named != id)
    return refused(Kind::bad_input, "id",
                   "the definition's id is '" + named + "', not '" + id +
                       "': a pipeline's id cannot change (create a new one instead)");
  store::AuditEntry a = audit;
  a.pipeline = PipelineId{id};
  a.message = comment;
  return checked_append(scope, id, {PipelineId{id}, yaml, comment, false},
                        {store::Expect::Kind::current, if_match}, a);
}

Outcome<CatalogChange> delete_definition(const CatalogScope& scope, const std::string& id,
                                         std::optional<int> if_match, const std::string& comment,
                                         const store::AuditEntry& audit) {
  auto newest = store::Catalog(scope.connection).newest(PipelineId{id});
  if (!newest) return store_failed(newest.error());
  if (!*newest || (*newest)->deleted) {
    auto catalog = current_catalog(scope.connection);
    if (!catalog) return tl::unexpected(catalog.error());
    auto loaded = load(scope, *catalog);
    if (!loaded) return tl::unexpected(loaded.error());
    if (const auto* p = loaded->find_pipeline(id); p && !p->from_catalog())
      return refused(Kind::conflict, "id",
                     "pipeline '" + id + "' is defined in the file " + p->file.string() +
                         ", not in the catalog: remove the file to remove it");
    return refused(Kind::not_found, "id",
                   "pipeline '" + id + "' is not in the catalog" +
                       std::string(*newest ? " (deleted already)" : ""));
  }
  store::AuditEntry a = audit;
  a.pipeline = PipelineId{id};
  a.message = comment;
  return appended(store_version(scope.connection, {PipelineId{id}, (*newest)->yaml, comment, true},
                                {store::Expect::Kind::current, if_match}, a),
                  id, {});
}

Outcome<CatalogChange> rollback_definition(const CatalogScope& scope, const std::string& id, int to,
                                           const std::string& comment,
                                           const store::AuditEntry& audit) {
  auto target = definition_version(scope.connection, id, to);
  if (!target) return tl::unexpected(target.error());
  if (target->deleted)
    return refused(Kind::bad_input, "to",
                   "version " + std::to_string(to) + " of '" + id +
                       "' is its deletion; roll back to a version before it");
  store::AuditEntry a = audit;
  a.pipeline = PipelineId{id};
  a.arguments["to"] = to;
  a.message = comment.empty() ? "rollback to version " + std::to_string(to) : comment;
  return checked_append(scope, id, {PipelineId{id}, target->yaml, a.message, false},
                        {store::Expect::Kind::any}, a);
}

Outcome<std::vector<store::Definition>> definition_history(store::Connection& connection,
                                                           const std::string& id) {
  auto history = store::Catalog(connection).history(PipelineId{id});
  if (!history) return store_failed(history.error());
  if (history->empty())
    return refused(Kind::not_found, "id", "pipeline '" + id + "' has no stored version");
  return std::move(*history);
}

Outcome<store::Definition> definition_version(store::Connection& connection, const std::string& id,
                                              int version) {
  auto found = store::Catalog(connection).version(PipelineId{id}, version);
  if (!found) return store_failed(found.error());
  if (!*found)
    return refused(Kind::not_found, "version",
                   "pipeline '" + id + "' has no version " + std::to_string(version));
  return std::move(**found);
}

std::string unified_diff(const std::string& a, const std::string& b, const std::string& a_name,
                         const std::string& b_name) {
  const auto lines = [](const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  };
  dtl::Diff<std::string> diff(lines(a), lines(b));
  diff.onHuge();
  diff.compose();
  diff.composeUnifiedHunks();
  std::ostringstream out;
  out << "--- " << a_name << "\n+++ " << b_name << "\n";
  diff.printUnifiedFormat(out);
  return out.str();
}

}  // namespace sluice::ops
