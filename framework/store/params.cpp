#include "framework/store/params.hpp"

#include <nlohmann/json.hpp>
#include <pqxx/prepared_statement>

#include "framework/core/utf8.hpp"

namespace sluice::store {
namespace {

// Pointers to the parameters as libpq takes them; a parameter that is not storable points
// to its storable copy, the others to the caller's string (no copy in the usual case).
class Bound {
 public:
  explicit Bound(const SqlParams& params) {
    fixed_.reserve(params.size());  // no reallocation: pointers into it stay valid
    pointers_.reserve(params.size());
    for (const auto& p : params) {
      if (!p) {
        pointers_.push_back(nullptr);
      } else if (is_storable_text(*p)) {
        pointers_.push_back(p->c_str());
      } else {
        fixed_.push_back(storable_text(*p));
        pointers_.push_back(fixed_.back().c_str());
      }
    }
  }
  auto dynamic() const { return pqxx::prepare::make_dynamic_params(pointers_); }

 private:
  std::vector<std::string> fixed_;
  std::vector<const char*> pointers_;
};

nlohmann::json storable_json(const nlohmann::json& value) {
  // Depth is sluice's own: these values are built by sluice (business fields, command
  // arguments), never parsed from input.
  switch (value.type()) {
    case nlohmann::json::value_t::string: return storable_text(value.get_ref<const std::string&>());
    case nlohmann::json::value_t::array: {
      auto out = nlohmann::json::array();
      for (const auto& item : value) out.push_back(storable_json(item));
      return out;
    }
    case nlohmann::json::value_t::object: {
      auto out = nlohmann::json::object();
      for (const auto& [key, item] : value.items()) out[storable_text(key)] = storable_json(item);
      return out;
    }
    default: return value;
  }
}

}  // namespace

pqxx::result exec_with(pqxx::transaction_base& tx, const std::string& sql,
                       const SqlParams& params) {
  const Bound bound(params);
  return tx.exec_params(sql, bound.dynamic());
}

pqxx::result exec_prepared_with(pqxx::transaction_base& tx, const std::string& name,
                                const SqlParams& params) {
  const Bound bound(params);
  return tx.exec_prepared(name, bound.dynamic());
}

std::string stored_message(std::string_view text) {
  return storable_text(text, kMaxMessageBytes);
}

std::string stored_json(const nlohmann::json& value) {
  return storable_json(value).dump();
}

}  // namespace sluice::store
