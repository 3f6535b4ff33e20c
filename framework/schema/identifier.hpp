#pragma once
// SQL identifiers from config (table and column names). Adapters always quote them, so case
// is kept; this check keeps them to plain names that every supported server accepts and
// that cannot smuggle SQL: letters, digits and `_`, not starting with a digit, at most 63
// characters per part (PostgreSQL's limit), and `schema.table` at most.
#include <string>
#include <string_view>
#include <vector>

namespace sluice::config {

// An error message naming the identifier and the problem, or empty when valid.
std::string check_table_name(std::string_view text);   // `table` or `schema.table`
std::string check_column_name(std::string_view text);  // one part

// `schema.table` -> {"schema", "table"}; only meaningful for a valid name.
std::vector<std::string> split_identifier(std::string_view text);

}  // namespace sluice::config
