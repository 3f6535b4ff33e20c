#include "framework/config/naming.hpp"

#include <re2/re2.h>

#include "framework/schema/identifier.hpp"

namespace sluice::config {
namespace {

RE2::Options naming_options() {
  RE2::Options o;
  o.set_log_errors(false);  // the refusal is a diagnostic of the key, not a log line
  o.set_never_capture(true);
  o.set_max_mem(kNamingPatternMemory);
  return o;
}

std::unique_ptr<const RE2> compile(std::string_view pattern) {
  return std::make_unique<const RE2>(re2::StringPiece(pattern.data(), pattern.size()),
                                     naming_options());
}

}  // namespace

std::string_view to_string(Layer layer) {
  switch (layer) {
    case Layer::source: return "source";
    case Layer::intermediate: return "intermediate";
    case Layer::fact: return "fact";
    case Layer::dimension: return "dimension";
    case Layer::view: return "view";
  }
  return "?";
}

std::optional<Layer> layer_named(std::string_view name) {
  for (const Layer l : kLayers)
    if (to_string(l) == name) return l;
  return std::nullopt;
}

std::string check_naming_pattern(std::string_view pattern) {
  if (pattern.empty()) return "an empty pattern matches every name";
  if (pattern.size() > kMaxNamingPatternBytes)
    return "longer than " + std::to_string(kMaxNamingPatternBytes) + " characters";
  const auto re = compile(pattern);
  if (re->ok()) return {};
  // RE2's own words: `missing ): _fct_(`, `invalid escape sequence: \1`.
  std::string why = "not a regular expression RE2 accepts: " + re->error();
  if (re->error_code() == RE2::ErrorPatternTooLarge)
    why += " (its automaton needs more than " + std::to_string(kNamingPatternMemory >> 20) +
           " MiB; a table name has at most 63 characters)";
  return why;
}

NamingRules::NamingRules(const NamingConfig& naming) {
  for (const auto& [layer, pattern] : naming.patterns) {
    if (!check_naming_pattern(pattern).empty()) continue;
    rules_.emplace_back(layer, compile(pattern));
  }
}

NamingRules::~NamingRules() = default;
NamingRules::NamingRules(NamingRules&&) noexcept = default;
NamingRules& NamingRules::operator=(NamingRules&&) noexcept = default;

std::optional<bool> NamingRules::matches(Layer layer, std::string_view name) const {
  for (const auto& [l, re] : rules_)
    if (l == layer) return RE2::PartialMatch(re2::StringPiece(name.data(), name.size()), *re);
  return std::nullopt;
}

std::optional<Layer> NamingRules::infer(std::string_view name) const {
  std::optional<Layer> found;
  for (const auto& [layer, _] : rules_) {
    if (!matches(layer, name).value_or(false)) continue;
    if (found) return std::nullopt;  // several layers: none is the pipeline's
    found = layer;
  }
  return found;
}

void check_naming(PipelineConfig& p, const NamingRules& rules, const NamingConfig& naming,
                  Diagnostics& diags) {
  const auto* table = p.target.params.get<std::string>("table");
  if (!table || rules.empty()) return;
  const std::string name = split_identifier(*table).back();
  if (!p.layer) {
    p.layer = rules.infer(name);
    p.layer_inferred = p.layer.has_value();
    return;
  }
  const auto matched = rules.matches(*p.layer, name);
  if (!matched || *matched) return;
  const std::string layer(to_string(*p.layer));
  std::string message = "'" + name + "' does not match '" + naming.patterns.at(*p.layer) +
                        "' (naming." + layer + "), the pattern of layer " + layer;
  const Location where = p.target.params.where_of("table");
  std::string path = p.target.params.path_of("table");
  if (naming.error) {
    diags.error(where, std::move(path), std::move(message));
  } else {
    diags.warning(where, std::move(path), std::move(message));
  }
}

}  // namespace sluice::config
