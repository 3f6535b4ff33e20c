#pragma once
// A pipeline's data checks (`checks:`), as the loader checked them (build_checks.cpp); the
// chain runs them after the audit's counts pass (tasks/checks.cpp; README, Data checks).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "framework/schema/diagnostic.hpp"

namespace sluice::config {

struct CheckSpec {
  enum class Kind { not_null, unique, sum_match, sql };
  std::string name;
  Kind kind = Kind::not_null;
  bool warn = false;  // `severity: warn`: a failure is recorded and told, the window goes on
  std::vector<std::string> columns;  // not_null, unique; sum_match: the target's column
  std::string source_column;         // sum_match: the source's name of that column
  double tolerance = 0;              // sum_match: largest |source - target| that passes
  bool tolerance_percent = false;    // ... in percent of |source|
  std::string query;                 // sql
  std::string connection;            // sql: where it runs (the target's by default)
  std::optional<double> min, max;    // sql: its one number must be within; none: no rows
  Location where;                    // of the check in its file
};

std::string_view to_string(CheckSpec::Kind kind);  // not_null, unique, sum_match, sql

}  // namespace sluice::config
