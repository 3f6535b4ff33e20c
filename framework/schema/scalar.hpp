#pragma once
// One scalar value of a key, from its text to its typed Value.
#include <optional>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

#include "framework/schema/fields.hpp"
#include "framework/schema/key_table.hpp"
#include "framework/schema/secret.hpp"

namespace sluice::config {

struct ScalarContext {
  std::filesystem::path base_dir;  // for `path` keys
  const SecretContext* secrets = nullptr;
};

// The typed value of `text` for a scalar key, or the reason it is not one. Messages quote the
// text, except for secret keys. Non-scalar types (lists, maps, sections) are not handled here.
tl::expected<Value, std::string> parse_scalar(const KeySpec& spec, std::string_view text,
                                              const ScalarContext& ctx);

// true/false, yes/no, on/off in any case.
std::optional<bool> parse_bool(std::string_view text);

// `'text'` for a value, or nothing for a secret: messages use it to stay safe.
std::string quoted_value(const KeySpec& spec, std::string_view text);

}  // namespace sluice::config
