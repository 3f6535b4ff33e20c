#include "framework/adapters/load_mode.hpp"

#include <algorithm>

#include "framework/adapters/registry.hpp"
#include "framework/schema/identifier.hpp"

using sluice::config::KeyTable;
using sluice::config::KeyType;

namespace sluice::adapters {

std::string_view to_string(LoadMode mode) {
  switch (mode) {
    case LoadMode::replace_window: return "replace_window";
    case LoadMode::append: return "append";
    case LoadMode::upsert: return "upsert";
  }
  return "?";
}

std::optional<LoadMode> parse_load_mode(std::string_view text) {
  for (auto mode : {LoadMode::replace_window, LoadMode::append, LoadMode::upsert})
    if (to_string(mode) == text) return mode;
  return std::nullopt;
}

namespace {

LoadMode mode_of(std::string_view text) {
  return parse_load_mode(text).value_or(LoadMode::replace_window);
}

}  // namespace

const KeyTable& load_keys() {
  static const KeyTable t{
      "target load",
      "How the target takes a window's rows (README, Load modes).",
      {
          {.name = "load",
           .type = KeyType::choice,
           .description =
               "`replace_window`: the window's rows are deleted and the staged ones loaded, in "
               "one transaction, so running a window again gives the same rows. `append`: "
               "insert only; running a window again adds its rows again, and the audit compares "
               "the source with the rows this run added. `upsert`: insert, or update the row "
               "with the same `key`; running a window again changes nothing, and the audit "
               "compares the source with the target's rows holding the window's keys. Each "
               "adapter says which it can do.",
           .default_value = "replace_window",
           .choices = {"replace_window", "append", "upsert"}},
          {.name = "key",
           .type = KeyType::string_list,
           .description = "With `upsert` (required, and only then): the columns a row is "
                          "known by. The target table must have a primary key or unique "
                          "index on exactly them (ClickHouse: a ReplacingMergeTree ordered by "
                          "them), and each must be a loaded column.",
           .check = config::check_column_name},
      }};
  return t;
}

const config::Binding<LoadSettings>& load_binding() {
  static const config::Binding<LoadSettings> b{load_keys(),
                                               {
                                                   {"load", &LoadSettings::mode, mode_of},
                                                   {"key", &LoadSettings::key},
                                               }};
  return b;
}

LoadSettings load_settings(const config::Fields& target) {
  return config::bind(load_binding(), target);
}

std::string load_modes_text(const std::vector<LoadMode>& modes) {
  std::string out;
  for (auto m : modes) out += (out.empty() ? "" : ", ") + std::string(to_string(m));
  return out;
}

Result<void> check_key_loaded(std::span<const std::string> key, std::span<const Column> loaded) {
  std::string missing, all;
  for (const auto& c : loaded) all += (all.empty() ? "" : ", ") + c.name;
  for (const auto& k : key) {
    const bool found =
        std::any_of(loaded.begin(), loaded.end(), [&](const Column& c) { return c.name == k; });
    if (!found) missing += (missing.empty() ? "'" : ", '") + k + "'";
  }
  if (missing.empty()) return {};
  return fail(Error::permanent("upsert: key column " + missing +
                               " is not among the loaded columns (" + all + ")"));
}

void check_load(const config::Fields& target, const AdapterInfo& adapter,
                config::Diagnostics& diags) {
  const auto* text = target.get<std::string>("load");
  const auto mode = text ? parse_load_mode(*text) : std::nullopt;
  if (mode && std::find(adapter.load_modes.begin(), adapter.load_modes.end(), *mode) ==
                  adapter.load_modes.end()) {
    target.error(diags, "load",
                 "a " + std::string(adapter.kind) + " target cannot " + std::string(*text) +
                     " (its load modes: " + load_modes_text(adapter.load_modes) + ")");
  }
  const auto* key = target.get<std::vector<std::string>>("key");
  if (!mode || !target.find("key")) return;  // both reported already
  if (*mode != LoadMode::upsert) {
    if (target.is_set("key"))
      target.error(diags, "key", "only with load: upsert (load is " + *text + ")");
    return;
  }
  if (!target.is_set("key")) {
    diags.error(target.where_of("load"), target.path_of("key"),
                "required with load: upsert (the columns a row is known by)");
    return;
  }
  if (!key) return;  // its items were reported
  if (key->empty()) target.error(diags, "key", "names no column: upsert needs at least one");
  for (std::size_t i = 0; i < key->size(); ++i) {
    if (std::find(key->begin(), key->begin() + static_cast<std::ptrdiff_t>(i), (*key)[i]) !=
        key->begin() + static_cast<std::ptrdiff_t>(i))
      target.error(diags, "key", "names column '" + (*key)[i] + "' twice");
  }
}

}  // namespace sluice::adapters
