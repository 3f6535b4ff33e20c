#pragma once
// How a target takes a window's rows (`target.load`): the window replaced as a whole (the
// default), appended to, or upserted by key. Every target can replace; a registry row lists
// the modes its target can do besides (AdapterInfo::load_modes), and the loader refuses the
// others where they are written.
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "framework/adapters/rows.hpp"
#include "framework/core/error.hpp"
#include "framework/schema/bind.hpp"
#include "framework/schema/diagnostic.hpp"
#include "framework/schema/fields.hpp"
#include "framework/schema/key_table.hpp"

namespace sluice::adapters {

enum class LoadMode {
  // Delete the window's rows and load the staged ones, all or nothing: idempotent.
  replace_window,
  // Insert only: a run adds the window's rows to whatever the target holds, so running a
  // window again adds them again. Pre-validation and the audit compare the rows this run added.
  append,
  // Insert, or update the row with the same `key`: running a window again changes nothing.
  // The audit compares the source with the target's rows holding the window's keys.
  upsert,
};
std::string_view to_string(LoadMode mode);
std::optional<LoadMode> parse_load_mode(std::string_view text);

struct AdapterInfo;

// `load` and `key`: every copy pipeline's target section has them, beside its adapter's keys.
const config::KeyTable& load_keys();

struct LoadSettings {
  LoadMode mode = LoadMode::replace_window;
  std::vector<std::string> key;  // upsert: the columns a row is known by
};
const config::Binding<LoadSettings>& load_binding();
LoadSettings load_settings(const config::Fields& target);

// `key` with `upsert` only (and then required, its columns each once); a mode `adapter`'s
// target cannot do is an error on `load`.
void check_load(const config::Fields& target, const AdapterInfo& adapter,
                config::Diagnostics& diags);

// Every key column of an upsert among the loaded ones (the staged rows carry the key): a
// permanent error naming the missing ones otherwise.
Result<void> check_key_loaded(std::span<const std::string> key, std::span<const Column> loaded);

// `replace_window, upsert`.
std::string load_modes_text(const std::vector<LoadMode>& modes);

}  // namespace sluice::adapters
