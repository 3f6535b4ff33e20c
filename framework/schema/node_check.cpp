#include "framework/schema/node_check.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>

#include "framework/core/suggest.hpp"
#include "framework/schema/scalar.hpp"

namespace sluice::config {
namespace {

struct Present {
  std::string name;
  YAML::Node key;
  YAML::Node value;
};

bool is_loader_owned(KeyType t) {
  return t == KeyType::connection_map || t == KeyType::adapter_section;
}

std::string unknown_key_message(std::string_view name, const std::vector<const KeyTable*>& tables) {
  std::vector<std::string_view> candidates;
  for (const auto* t : tables) {
    for (const auto& k : t->keys) candidates.push_back(k.name);
  }
  std::string message = "unknown key '" + shown_scalar(name) + "'";
  if (auto close = closest_match(name, candidates)) {
    return message + " (did you mean '" + *close + "'?)";
  }
  std::string all;
  for (auto c : candidates) all += (all.empty() ? "" : ", ") + std::string(c);
  return message + " (valid keys: " + all + ")";
}

// A key's literal default as YAML, parsed once per thread: parsing it for every file that
// leaves the key out was half of loading 10,000 pipeline files. Per thread because a
// yaml-cpp node is not safe to share.
const YAML::Node& default_node(std::string_view text) {
  thread_local std::map<std::string, YAML::Node, std::less<>> parsed;
  auto found = parsed.find(text);
  if (found == parsed.end()) found = parsed.emplace(text, YAML::Load(std::string(text))).first;
  return found->second;
}

class Checker {
 public:
  explicit Checker(const CheckContext& ctx) : ctx_(ctx), scalars_{ctx.base_dir, &ctx.secrets} {}

  void value(const YAML::Node& node, const KeySpec& spec, const std::string& path,
             const Location& key_where, Fields::Entry& entry) {
    switch (spec.type) {
      case KeyType::section:
        entry.children.push_back(check_section(node, {spec.section}, path, key_where, ctx_));
        return;
      case KeyType::section_list:
        if (!expect(node.IsSequence(), node, path, "a list of mappings")) return;
        for (std::size_t i = 0; i < node.size(); ++i) {
          const std::string item_path = path + "[" + std::to_string(i) + "]";
          const Location where = ctx_.at(node[i].Mark());
          if (!spec.shorthand.empty() && node[i].IsScalar()) {
            // The scalar keeps its own mark, so errors about it point into the file.
            YAML::Node expanded(YAML::NodeType::Map);
            expanded[std::string(spec.shorthand)] = node[i];
            entry.children.push_back(
                check_section(expanded, {spec.section}, item_path, where, ctx_));
            continue;
          }
          entry.children.push_back(check_section(node[i], {spec.section}, item_path, where, ctx_));
        }
        return;
      case KeyType::string_list:
      case KeyType::choice_list: entry.value = list(node, spec, path); return;
      case KeyType::template_map:
      case KeyType::string_map:
      case KeyType::integer_map: entry.value = map(node, spec, path); return;
      default: break;
    }
    if (!expect(node.IsScalar(), node, path, type_name(spec))) return;
    if (auto parsed = parse_scalar(spec, node.Scalar(), scalars_)) {
      entry.value = std::move(*parsed);
    } else {
      ctx_.error(ctx_.at(node.Mark()), path, parsed.error());
    }
  }

 private:
  bool expect(bool ok, const YAML::Node& node, const std::string& path, std::string_view what) {
    if (!ok) {
      ctx_.error(ctx_.at(node.Mark()), path,
                 "expected " + std::string(what) + ", got " + describe_node(node));
    }
    return ok;
  }

  Value list(const YAML::Node& node, const KeySpec& spec, const std::string& path) {
    if (!expect(node.IsSequence(), node, path, type_name(spec))) return {};
    KeySpec item = spec;
    item.type = spec.type == KeyType::choice_list ? KeyType::choice : KeyType::string;
    std::vector<std::string> out;
    bool ok = true;
    for (std::size_t i = 0; i < node.size(); ++i) {
      const std::string item_path = path + "[" + std::to_string(i) + "]";
      if (!expect(node[i].IsScalar(), node[i], item_path, "a string")) {
        ok = false;
        continue;
      }
      auto parsed = parse_scalar(item, node[i].Scalar(), scalars_);
      if (!parsed) {
        ctx_.error(ctx_.at(node[i].Mark()), item_path, parsed.error());
        ok = false;
        continue;
      }
      out.push_back(node[i].Scalar());
    }
    return ok ? Value(std::move(out)) : Value();
  }

  Value map(const YAML::Node& node, const KeySpec& spec, const std::string& path) {
    if (!expect(node.IsMap(), node, path, type_name(spec))) return {};
    NamedTemplates templates;
    NamedStrings strings;
    NamedIntegers integers;
    KeySpec integer = spec;  // each value of an integer map, with the map's range
    integer.type = KeyType::integer;
    integer.check = nullptr;  // the map's check is its names'
    bool ok = true;
    for (const auto& kv : node) {
      const YAML::Node& key = kv.first;
      const YAML::Node& val = kv.second;
      const std::string name = key.IsScalar() ? key.Scalar() : std::string();
      const std::string item_path = join_path(path, name);
      if (spec.check && key.IsScalar()) {
        if (auto problem = spec.check(name); !problem.empty()) {
          ctx_.error(ctx_.at(key.Mark()), item_path, problem);
          ok = false;
        }
      }
      if (!expect(key.IsScalar(), key, path, "a name") ||
          !expect(val.IsScalar(), val, item_path,
                  spec.type == KeyType::integer_map ? "an integer" : "a string")) {
        ok = false;
        continue;
      }
      if (spec.type == KeyType::integer_map) {
        auto parsed = parse_scalar(integer, val.Scalar(), scalars_);
        if (!parsed) {
          ctx_.error(ctx_.at(val.Mark()), item_path, parsed.error());
          ok = false;
          continue;
        }
        integers.emplace_back(name, std::get<std::int64_t>(*parsed));
        continue;
      }
      if (spec.type == KeyType::string_map) {
        strings.emplace_back(name, val.Scalar());
        continue;
      }
      auto parsed = time::FieldTemplate::parse(val.Scalar());
      if (!parsed) {
        ctx_.error(ctx_.at(val.Mark()), item_path, parsed.error());
        ok = false;
        continue;
      }
      templates.emplace_back(name, std::move(*parsed));
    }
    if (!ok) return {};
    if (spec.type == KeyType::string_map) return Value(std::move(strings));
    if (spec.type == KeyType::integer_map) return Value(std::move(integers));
    return Value(std::move(templates));
  }

  const CheckContext& ctx_;
  ScalarContext scalars_;
};

}  // namespace

std::string describe_node(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Scalar: return "'" + shown_scalar(node.Scalar()) + "'";
    default: return "nothing";
  }
}

YAML::Node key_node(const YAML::Node& map, std::string_view name) {
  if (!map.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  for (const auto& kv : map) {
    if (kv.first.IsScalar() && kv.first.Scalar() == name) return kv.first;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

YAML::Node value_node(const YAML::Node& map, std::string_view name) {
  if (!map.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  for (const auto& kv : map) {
    if (kv.first.IsScalar() && kv.first.Scalar() == name) return kv.second;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

Fields check_section(const YAML::Node& node, const std::vector<const KeyTable*>& tables,
                     const std::string& path, const Location& where, const CheckContext& ctx,
                     bool lenient) {
  Fields out(path, where);
  const bool absent = !node.IsDefined() || node.IsNull();
  if (!absent && !node.IsMap()) {
    ctx.error(ctx.at(node.Mark()), path, "expected a mapping, got " + describe_node(node));
  }
  std::vector<Present> present;
  if (node.IsMap()) {
    for (const auto& kv : node) {
      if (!kv.first.IsScalar()) {
        ctx.error(ctx.at(kv.first.Mark()), path, "a key must be a plain name");
        continue;
      }
      const std::string name = kv.first.Scalar();
      const auto earlier = std::find_if(present.begin(), present.end(),
                                        [&](const Present& p) { return p.name == name; });
      // Reported with both places when the file was loaded (check_document); the first
      // one is read, as `config show` shows it.
      if (earlier != present.end()) continue;
      const bool known = std::any_of(tables.begin(), tables.end(),
                                     [&](const KeyTable* t) { return t->find(name) != nullptr; });
      if (!known && !lenient) {
        ctx.error(ctx.at(kv.first.Mark()), join_path(path, name),
                  unknown_key_message(name, tables));
      }
      present.push_back({name, kv.first, kv.second});
    }
  }
  // A mapping of the wrong shape was reported once; its keys' absence is no news. An
  // optional section left out (`http.tls`, `notifications.smtp`) has no required keys to
  // miss: only a section that is written must be whole.
  const bool report_missing = node.IsMap() || (absent && path.empty());
  Checker checker(ctx);
  for (const auto* table : tables) {
    for (const auto& spec : table->keys) {
      const std::string key_path = join_path(path, spec.name);
      const auto found = std::find_if(present.begin(), present.end(),
                                      [&](const Present& p) { return p.name == spec.name; });
      Fields::Entry entry{&spec, where, true, {}, {}};
      const bool has_value = found != present.end() && !found->value.IsNull();
      if (found != present.end()) entry.where = ctx.at(found->key.Mark());
      // A planned section's own keys say it, each where it stands.
      if (has_value && spec.planned && spec.type != KeyType::section)
        ctx.warning(entry.where, key_path, std::string(kPlannedWarning));
      if (has_value) {
        entry.defaulted = false;
        if (!is_loader_owned(spec.type)) {
          entry.where = ctx.at(found->value.Mark());
          checker.value(found->value, spec, key_path, ctx.at(found->key.Mark()), entry);
        }
      } else if (is_loader_owned(spec.type)) {
        if (spec.required && report_missing)
          ctx.error(entry.where, key_path, "required key is missing");
      } else if (spec.required) {
        if (report_missing) {
          ctx.error(
              entry.where, key_path,
              found != present.end() ? "required key has no value" : "required key is missing");
        }
      } else if (spec.has_literal_default()) {
        Diagnostics own;
        CheckContext quiet = ctx;
        quiet.diags = &own;
        Checker(quiet).value(default_node(spec.default_value), spec, key_path, entry.where, entry);
        if (!own.empty()) {
          throw std::logic_error("default of " + key_path +
                                 " does not parse: " + to_string(own.sorted().front()));
        }
      } else if (spec.type == KeyType::section) {
        checker.value(YAML::Node(), spec, key_path, entry.where, entry);
      }
      out.add(std::move(entry));
    }
  }
  return out;
}

}  // namespace sluice::config
