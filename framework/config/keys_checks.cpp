// One item of a pipeline's `checks:` list. Which keys go with which kind, and what the
// pipeline's source, target and columns allow, is checked by build_checks.cpp.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>

#include "framework/config/keys.hpp"

namespace sluice::config {
namespace {

std::string check_check_name(std::string_view text) {
  const bool ok =
      !text.empty() && text.size() <= 63 && std::all_of(text.begin(), text.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
      });
  if (ok) return {};
  return "a check name is 1 to 63 letters, digits, '_', '.' or '-'";
}

// A column as the server names it: quoted wherever it is used, so any text of printable
// characters (spaces, quotes, non-ASCII letters) up to PostgreSQL's 63 bytes.
std::string check_check_column(std::string_view text) {
  if (text.empty()) return "empty column name";
  if (text.size() > 63) return "a column name is at most 63 bytes";
  if (std::any_of(text.begin(), text.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
    return "a column name has no control characters (tab, newline...)";
  return {};
}

std::string check_tolerance(std::string_view text) {
  std::string number(text);
  if (!number.empty() && number.back() == '%') number.pop_back();
  char* end = nullptr;
  const double v = std::strtod(number.c_str(), &end);
  if (number.empty() || end != number.c_str() + number.size() || !std::isfinite(v) || v < 0)
    return "expected a number of at least 0, or a percentage such as `0.5%`";
  return {};
}

}  // namespace

const KeyTable& check_keys() {
  static const KeyTable t{
      "pipeline.checks[]",
      "One data check, run on each window after the audit's counts pass: exactly one of "
      "`not_null`, `unique`, `sum_match` and `sql`.",
      {
          {.name = "name",
           .type = KeyType::string,
           .description = "Its name in `window_checks` and messages, unique in the pipeline.",
           .default_value = "(the kind and its columns: `not_null_id_email`; `sql_N` for the "
                            "Nth check)",
           .check = check_check_name},
          {.name = "severity",
           .type = KeyType::choice,
           .description = "`error`: a failure ends the window FAILED with audit_result "
                          "CHECK_FAILED, not retried. `warn`: the window goes on to SUCCESS; "
                          "the failure is recorded and told (`check_warning`).",
           .default_value = "error",
           .choices = {"error", "warn"}},
          {.name = "not_null",
           .type = KeyType::string_list,
           .description = "Target columns that hold no NULL in the window (its rows in the "
                          "target table).",
           .check = check_check_column},
          {.name = "unique",
           .type = KeyType::string_list,
           .description = "Target columns whose values (together) appear once in the window; "
                          "two NULLs are the same value.",
           .check = check_check_column},
          {.name = "sum_match",
           .type = KeyType::string,
           .description = "A target column whose sum over the window equals the source's "
                          "(the transform's `from` column, if it renames it), within "
                          "`tolerance`.",
           .check = check_check_column},
          {.name = "tolerance",
           .type = KeyType::string,
           .description = "With `sum_match`: the largest |source sum - target sum| that "
                          "passes, absolute (`0.01`) or in percent of the source's sum "
                          "(`0.5%`).",
           .default_value = "0",
           .check = check_tolerance},
          {.name = "sql",
           .type = KeyType::string,
           .description = "An assertion query on `connection`, with `:window_start`, "
                          "`:window_end` and `:target_day` bound as in SQL pipelines: it passes "
                          "when it returns no rows, or, with `min`/`max`, when the one number "
                          "it returns is within them."},
          {.name = "connection",
           .type = KeyType::string,
           .description = "With `sql`: the connection it runs on (postgres, mysql, "
                          "clickhouse).",
           .default_value = "(the target's connection)"},
          {.name = "min",
           .type = KeyType::number,
           .description = "With `sql`: the smallest number that passes."},
          {.name = "max",
           .type = KeyType::number,
           .description = "With `sql`: the largest number that passes."},
      }};
  return t;
}

}  // namespace sluice::config
