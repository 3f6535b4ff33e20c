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

std::string server_message(const ServerError& said) {
  std::string out = said.primary;
  if (!said.detail.empty()) out += " (" + said.detail + ")";
  if (!said.hint.empty()) out += " (hint: " + said.hint + ")";
  return out + " [SQLSTATE " + said.sqlstate + "]";
}

}  // namespace

Result<LoadPlan> plan_load(std::string_view table, std::span<const Column> loaded,
                           std::span<const ComputedColumn> computed) {
  LoadPlan plan;
  const std::string target = quote_qualified(table);
  const std::string columns = names(loaded);
  if (computed.empty()) {
    plan.copy = "COPY " + target + " (" + columns + ") FROM STDIN";
    return plan;
  }
  if (auto r = check_computed_names(loaded, computed); !r) return fail(r.error());
  const std::string temporary(kTemporary);
  plan.create_temporary = "CREATE TEMPORARY TABLE " + temporary + " ON COMMIT DROP AS SELECT " +
                          columns + " FROM " + target + " WITH NO DATA";
  plan.copy = "COPY pg_temp." + temporary + " (" + columns + ") FROM STDIN";
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
  plan.insert += " FROM pg_temp." + temporary + " AS " + std::string(kAlias);
  return plan;
}

Error insert_error(const LoadPlan& plan, std::span<const ComputedColumn> computed,
                   std::string_view table, const ServerError& said) {
  const ErrorKind kind = store::classify_sqlstate(said.sqlstate);
  for (std::size_t i = 0; i < plan.expressions.size() && i < computed.size(); ++i) {
    const auto [begin, end] = plan.expressions[i];
    if (said.position >= begin && said.position < end) {
      const auto& c = computed[i];
      return {kind, c.origin + ": transform column '" + c.name + "', sql `" + c.sql +
                        "`: " + server_message(said)};
    }
  }
  return {kind, "INSERT into " + std::string(table) + " with the computed column" +
                    (computed.size() == 1 ? " " : "s ") + describe(computed) + ": " +
                    server_message(said)};
}

}  // namespace sluice::adapters::postgres
