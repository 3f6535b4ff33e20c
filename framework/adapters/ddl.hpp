#pragma once
// A pipeline's `ddl` (its target's CREATE TABLE) read far enough to know which table it
// creates and the names and written types of its columns.
//
// Why a tokenizer rather than creating the table in a scratch schema and reading the
// catalog: `sluicectl validate` checks `ddl` without any server (and points at the file,
// line and column of what is wrong), the same way for the three servers; a scratch table
// needs rights the deploy user may not have (CREATE SCHEMA / DATABASE) and is left behind by
// a killed run. What the tokenizer cannot judge, the types' meaning, the server judges when
// deploy compares an existing table (SqlRunner::comparable_types).
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

#include "framework/adapters/sql_lexer.hpp"
#include "framework/adapters/sql_template.hpp"

namespace sluice::adapters::sql {

struct DdlColumn {
  std::string name;    // unquoted
  std::string type;    // as written, spaces collapsed; empty when none is written
  std::size_t offset;  // of the name in the statement
};

struct CreateTable {
  std::vector<std::string> name;  // its parts, unquoted: {"demo", "events"}
  std::size_t name_offset = 0;
  std::vector<DdlColumn> columns;  // constraints (PRIMARY KEY (...), INDEX ...) left out
};

// `CREATE [OR REPLACE] [TEMP|TEMPORARY|UNLOGGED] TABLE [IF NOT EXISTS] name [ON CLUSTER c]
// (column type [constraints], ..., [table constraints]) ...`; anything else is a Problem.
tl::expected<CreateTable, Problem> parse_create_table(std::string_view ddl, Dialect dialect);

// Whether two names are one: unquoted names fold case on PostgreSQL and MariaDB, and
// ClickHouse's are case-sensitive.
bool same_name(std::string_view a, std::string_view b, Dialect dialect);

// Whether the name of `parts` is `table` (`schema.table` or `table`, as configured): the last
// parts are the same name, and so are the schemas when both name one.
bool names_table(const std::vector<std::string>& parts, std::string_view table, Dialect dialect);
inline bool creates_table(const CreateTable& ddl, std::string_view table, Dialect dialect) {
  return names_table(ddl.name, table, dialect);
}

std::string qualified(const CreateTable& ddl);  // `demo.events`

}  // namespace sluice::adapters::sql
