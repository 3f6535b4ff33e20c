// The key tables are data that validation and documentation share; these tests keep the
// data itself sound.
#include <functional>
#include <set>

#include <catch2/catch.hpp>

#include "framework/adapters/registry.hpp"
#include "framework/config/keys.hpp"
#include "framework/schema/key_table.hpp"
#include "framework/schema/node_check.hpp"

using namespace sluice;
using config::KeyTable;
using config::KeyType;

namespace {

struct NamedTables {
  std::string name;
  std::vector<const KeyTable*> tables;
};

// Every list of tables one section is checked against.
std::vector<NamedTables> all_sections() {
  std::vector<NamedTables> out = {{"daemon", {&config::daemon_keys()}},
                                  {"pipeline", {&config::pipeline_keys()}}};
  for (const auto* a : adapters::registry()) {
    const std::string kind(a->kind);
    std::vector<const KeyTable*> c = {&config::connection_common_keys()};
    c.insert(c.end(), a->connection_keys.begin(), a->connection_keys.end());
    out.push_back({kind + " connection", c});
    if (a->can(adapters::Role::source)) {
      std::vector<const KeyTable*> s = {&config::source_common_keys()};
      s.insert(s.end(), a->source_keys.begin(), a->source_keys.end());
      out.push_back({kind + " source", s});
    }
    if (a->can(adapters::Role::target)) {
      std::vector<const KeyTable*> t = {&config::target_common_keys()};
      t.insert(t.end(), a->target_keys.begin(), a->target_keys.end());
      out.push_back({kind + " target", t});
    }
  }
  return out;
}

void each_key(const std::vector<const KeyTable*>& tables, const std::string& prefix,
              const std::function<void(const config::KeySpec&, const std::string&)>& visit) {
  for (const auto* t : tables) {
    for (const auto& k : t->keys) {
      const std::string path = prefix + std::string(k.name);
      visit(k, path);
      if (k.section && k.type == KeyType::section_list)
        each_key({k.section}, path + "[].", visit);
      else if (k.section)
        each_key({k.section}, path + ".", visit);
    }
  }
}

}  // namespace

TEST_CASE("every key is named once per section and described", "[config][keys]") {
  for (const auto& section : all_sections()) {
    INFO(section.name);
    std::set<std::string> seen;
    each_key(section.tables, "", [&](const config::KeySpec& k, const std::string& path) {
      INFO(path);
      CHECK(seen.insert(path).second);
      CHECK_FALSE(k.description.empty());
      CHECK_FALSE((k.required && !k.default_value.empty()));
      if (k.type == KeyType::choice || k.type == KeyType::choice_list)
        CHECK_FALSE(k.choices.empty());
      if (k.type == KeyType::section || k.type == KeyType::section_list) CHECK(k.section);
      if (k.secret != config::Secrecy::none) CHECK(k.type == KeyType::string);
    });
  }
}

TEST_CASE("every literal default parses as its key's type", "[config][keys]") {
  // An absent section takes every default; one that does not parse throws logic_error.
  for (const auto& section : all_sections()) {
    INFO(section.name);
    config::Diagnostics diags;
    config::CheckContext ctx;
    ctx.file = "defaults.yaml";
    ctx.secrets.resolve = false;
    ctx.diags = &diags;
    config::Fields fields;
    CHECK_NOTHROW(fields = config::check_section(YAML::Node(YAML::NodeType::Map), section.tables,
                                                 "", {"defaults.yaml", 1, 1}, ctx));
    each_key(section.tables, "", [&](const config::KeySpec& k, const std::string& path) {
      if (!k.has_literal_default() || path.find('.') != std::string::npos) return;
      INFO(path);
      const auto* e = fields.find(k.name);
      REQUIRE(e);
      CHECK(e->defaulted);
      // An empty list of sections (`depends_on: []`) is no value and no child.
      CHECK((!std::holds_alternative<std::monostate>(e->value) || !e->children.empty() ||
             k.type == KeyType::connection_map || k.type == KeyType::section_list));
    });
  }
}

TEST_CASE("the registry has one row per kind, its roles matching its tables", "[config][keys]") {
  const auto kinds = adapters::adapter_kinds();
  CHECK(kinds == std::vector<std::string_view>{"postgres", "mysql", "clickhouse", "file", "http",
                                               "generate"});
  for (const auto* a : adapters::registry()) {
    INFO(a->kind);
    CHECK(adapters::find_adapter(a->kind) == a);
    CHECK_FALSE(a->roles.empty());
    CHECK_FALSE(a->connection_keys.empty());
    CHECK(a->can(adapters::Role::source) == !a->source_keys.empty());
    CHECK(a->can(adapters::Role::target) == !a->target_keys.empty());
  }
  CHECK_FALSE(adapters::find_adapter("postgress"));
  CHECK(adapters::find_adapter("http")->roles_text() == "source");
}

TEST_CASE("the generated reference lists every key of every table", "[config][keys]") {
  const std::string md = config::render_key_reference();
  for (const auto& section : all_sections()) {
    const bool adapter = section.name != "daemon" && section.name != "pipeline";
    const std::string prefix = section.name.ends_with(" source")   ? "source."
                               : section.name.ends_with(" target") ? "target."
                                                                   : "";
    each_key(section.tables, prefix, [&](const config::KeySpec&, const std::string& path) {
      INFO(section.name << ": " << path);
      CHECK(md.find("| `" + path + "` |") != std::string::npos);
    });
    if (adapter)
      CHECK(md.find("### `" + section.name.substr(0, section.name.find(' ')) + "`") !=
            std::string::npos);
  }
  // A row: key, type, default, required, secret, description.
  CHECK(
      md.find("| `retries.base_delay` | duration | `30s` |  |  | Delay before the first retry;") !=
      std::string::npos);
  CHECK(md.find("| `schedule.timezone` | time zone | daemon timezone |") != std::string::npos);
  CHECK(md.find("| `password` | string |  |  | yes |") != std::string::npos);
  CHECK(md.find("| `window.granularity` | granularity |  | yes |") != std::string::npos);
}
