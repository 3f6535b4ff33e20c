#include "framework/adapters/postgres/load_plan.hpp"

#include <algorithm>

#include "framework/store/errors.hpp"

namespace sluice::adapters::postgres {
namespace {

// The table the window's rows wait in; `loaded` is what expressions may qualify names with.
constexpr std::string_view kTemporary = "sluice_window_rows";
constexpr std::string_view kAlias = "loaded";

int characters(std::string_view utf8) {
  return static_cast<int>(std::count_if(utf8.begin(), utf8.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::string names(std::span<const Column> columns) {
  std::string out;
  for (const auto& c : columns) out += (out.empty() ? "" : ", ") + quote_identifier(c.name);
  return out;
}

std::string names(std::span<const std::string> columns, std::string_view qualifier = {}) {
  std::string out;
  for (const auto& c : columns)
    out += (out.empty() ? "" : ", ") + std::string(qualifier) + quote_identifier(c);
  return out;
}

std::string server_message(const ServerError& said) {
  std::string out = said.primary;
  if (!said.detail.empty()) out += " (" + said.detail + ")";
  if (!said.hint.empty()) out += " (hint: " + said.hint + ")";
  return out + " [SQLSTATE " + said.sqlstate + "]";
}

bool is_key(std::span<const std::string> key, std::string_view name) {
  return std::find(key.begin(), key.end(), name) != key.end();
}

// ON CONFLICT (key) DO UPDATE of every other column; DO NOTHING when the key is all of them.
std::string on_conflict(std::span<const std::string> key, std::span<const Column> loaded,
                        std::span<const ComputedColumn> computed) {
  std::string set;
  const auto assign = [&](const std::string& name) {
    if (is_key(key, name)) return;
    const auto quoted = quote_identifier(name);
    set += (set.empty() ? "" : ", ") + quoted + " = EXCLUDED." + quoted;
  };
  for (const auto& c : loaded) assign(c.name);
  for (const auto& c : computed) assign(c.name);
  return " ON CONFLICT (" + names(key) + ") DO " + (set.empty() ? "NOTHING" : "UPDATE SET " + set);
}

}  // namespace

Result<LoadPlan> plan_load(std::string_view table, std::span<const Column> loaded,
                           std::span<const ComputedColumn> computed, LoadMode mode,
                           std::span<const std::string> key) {
  LoadPlan plan;
  const std::string target = quote_qualified(table);
  const std::string columns = names(loaded);
  const bool upsert = mode == LoadMode::upsert;
  if (computed.empty() && !upsert) {
    plan.copy = "COPY " + target + " (" + columns + ") FROM STDIN";
    return plan;
  }
  if (auto r = check_computed_names(loaded, computed); !r) return fail(r.error());
  if (upsert) {
    if (auto r = check_key_loaded(key, loaded); !r) return fail(r.error());
  }
  const std::string temporary = "pg_temp." + std::string(kTemporary);
  plan.create_temporary = "CREATE TEMPORARY TABLE " + std::string(kTemporary) +
                          " ON COMMIT DROP AS SELECT " + columns + " FROM " + target +
                          " WITH NO DATA";
  plan.copy = "COPY " + temporary + " (" + columns + ") FROM STDIN";
  std::string into = columns, select;
  for (const auto& l : loaded)
    select += (select.empty() ? "" : ", ") + std::string(kAlias) + "." + quote_identifier(l.name);
  plan.insert = "INSERT INTO " + target + " (";
  for (const auto& c : computed) into += ", " + quote_identifier(c.name);
  plan.insert += into + ") SELECT " + select;
  for (const auto& c : computed) {
    plan.insert += ", ";
    const int begin = characters(plan.insert) + 1;
    // A newline before the closing parenthesis, should the server ever take a trailing
    // comment the loader let through.
    plan.insert += "(" + c.sql + "\n)";
    plan.expressions.emplace_back(begin, characters(plan.insert) + 1);
  }
  plan.insert += " FROM " + temporary + " AS " + std::string(kAlias);
  if (!upsert) return plan;
  plan.insert += on_conflict(key, loaded, computed);
  std::string any_null;
  for (const auto& k : key)
    any_null += (any_null.empty() ? "" : " OR ") + quote_identifier(k) + " IS NULL";
  plan.null_keys = "SELECT count(*) FROM " + temporary + " WHERE " + any_null;
  plan.held = "SELECT count(*) FROM " + target + " AS t WHERE (" + names(key, "t.") +
              ") IN (SELECT " + names(key) + " FROM " + temporary + ")";
  return plan;
}

Error insert_error(const LoadPlan& plan, std::span<const ComputedColumn> computed,
                   std::string_view table, const ServerError& said,
                   std::span<const std::string> key) {
  const ErrorKind kind = store::classify_sqlstate(said.sqlstate);
  if (plan.upserts() && said.sqlstate == "21000")  // cardinality_violation
    return Error::permanent(
        "upsert into " + std::string(table) + ": two rows of the window have the same key (" +
        names(key) + "), and which of them should stay is not known: " + server_message(said));
  if (plan.upserts() && said.sqlstate == "42P10")  // invalid_column_reference
    return Error::permanent("upsert into " + std::string(table) +
                            " needs a primary key or unique index on exactly (" + names(key) +
                            "): " + server_message(said));
  for (std::size_t i = 0; i < plan.expressions.size() && i < computed.size(); ++i) {
    const auto [begin, end] = plan.expressions[i];
    if (said.position >= begin && said.position < end) {
      const auto& c = computed[i];
      return {kind, c.origin + ": transform column '" + c.name + "', sql `" + c.sql +
                        "`: " + server_message(said)};
    }
  }
  if (computed.empty())
    return {kind, (plan.upserts() ? "upsert into " : "INSERT into ") + std::string(table) + ": " +
                      server_message(said)};
  return {kind, "INSERT into " + std::string(table) + " with the computed column" +
                    (computed.size() == 1 ? " " : "s ") + describe(computed) + ": " +
                    server_message(said)};
}

}  // namespace sluice::adapters::postgres
