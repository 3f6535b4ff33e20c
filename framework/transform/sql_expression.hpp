#pragma once
// A computed column's SQL expression is the operator's, trusted as a source's `query` is, and
// goes into the target's INSERT ... SELECT as written, inside parentheses. What the loader can
// tell without a server is whether it is one expression at all: a `;` would start another
// statement, a comma outside parentheses another column, a comment would swallow the closing
// parenthesis, and an unclosed quote or parenthesis everything after it.
#include <string>
#include <string_view>

namespace sluice::transform {

// Empty when `expression` is one SQL expression as far as its quotes, parentheses, commas,
// semicolons and comments go; otherwise why not, with the 1-based column in the expression.
std::string check_sql_expression(std::string_view expression);

}  // namespace sluice::transform
