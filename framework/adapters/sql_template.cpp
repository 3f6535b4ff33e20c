#include "framework/adapters/sql_template.hpp"

#include <array>

#include "framework/core/suggest.hpp"

namespace sluice::adapters::sql {
namespace {

constexpr std::array<Param, 3> kParams{Param::window_start, Param::window_end, Param::target_day};

std::string known_list() {
  std::string out;
  for (auto p : kParams) out += (out.empty() ? ":" : ", :") + std::string(name_of(p));
  return out;
}

std::string unknown_message(std::string_view name) {
  std::vector<std::string_view> names;
  names.reserve(kParams.size());
  for (auto p : kParams) names.push_back(name_of(p));
  std::string message = "unknown placeholder :" + std::string(name);
  if (auto close = closest_match(name, names)) message += " (did you mean :" + *close + "?)";
  return message + "; the placeholders are " + known_list();
}

}  // namespace

std::string_view name_of(Param param) {
  switch (param) {
    case Param::window_start: return "window_start";
    case Param::window_end: return "window_end";
    case Param::target_day: return "target_day";
  }
  return "?";
}

Scanned scan(std::string_view statement, Dialect dialect) {
  Scanned out;
  Lexer lexer(statement, dialect);
  int brackets = 0;  // inside [ ]: `a[lo:hi]` is a PostgreSQL array slice
  std::optional<std::size_t> semicolon;
  bool any = false;
  while (auto token = lexer.next()) {
    const std::string_view text = token->in(statement);
    if (semicolon) {
      out.problems.push_back(
          {*semicolon, "';' ends the statement and another follows: one statement per key"});
      semicolon.reset();
    }
    if (token->kind == TokenKind::symbol) {
      if (text == "[") ++brackets;
      if (text == "]" && brackets > 0) --brackets;
      if (text == ";") {
        if (!any) out.problems.push_back({token->offset, "';' before any statement"});
        semicolon = token->offset;
        continue;
      }
    }
    any = true;
    out.length = token->offset + token->length;
    if (token->kind == TokenKind::parameter) {
      out.problems.push_back({token->offset, "'" + std::string(text) +
                                                 "' is the server's own parameter: write "
                                                 ":window_start, :window_end or :target_day"});
    } else if (token->kind == TokenKind::placeholder && brackets == 0) {
      const std::string_view name = text.substr(1);
      bool found = false;
      for (auto p : kParams) {
        if (name == name_of(p)) {
          out.placeholders.push_back({p, token->offset, token->length});
          found = true;
        }
      }
      if (!found) out.problems.push_back({token->offset, unknown_message(name)});
    }
  }
  if (const auto& problem = lexer.problem())
    out.problems.push_back({problem->offset, problem->message});
  if (!any && !lexer.problem()) out.problems.push_back({0, "the statement is empty"});
  return out;
}

std::string render(std::string_view statement, const Scanned& scanned,
                   const std::function<std::string(Param)>& spell) {
  std::string out;
  std::size_t at = 0;
  for (const auto& p : scanned.placeholders) {
    out.append(statement.substr(at, p.offset - at));
    out += spell(p.param);
    at = p.offset + p.length;
  }
  if (at < scanned.length) out.append(statement.substr(at, scanned.length - at));
  return out;
}

std::optional<NameSpan> insert_target(std::string_view statement, Dialect dialect) {
  Lexer lexer(statement, dialect);
  std::vector<Token> tokens;
  while (auto t = lexer.next()) tokens.push_back(*t);
  const auto text = [&](std::size_t i) { return tokens[i].in(statement); };
  const auto word = [&](std::size_t i, std::string_view w) {
    return i < tokens.size() && tokens[i].kind == TokenKind::word && is_keyword(text(i), w);
  };
  const auto name = [&](std::size_t i) {
    return i < tokens.size() &&
           (tokens[i].kind == TokenKind::word || tokens[i].kind == TokenKind::quoted_name);
  };
  int depth = 0;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i].kind == TokenKind::symbol && text(i) == "(") ++depth;
    if (tokens[i].kind == TokenKind::symbol && text(i) == ")") --depth;
    if (depth != 0 || !word(i, "INSERT")) continue;
    std::size_t j = i + 1;
    // MariaDB's modifiers, before an INTO it may leave out.
    while (word(j, "IGNORE") || word(j, "LOW_PRIORITY") || word(j, "DELAYED") ||
           word(j, "HIGH_PRIORITY"))
      ++j;
    if (word(j, "INTO")) ++j;
    if (word(j, "TABLE")) ++j;  // ClickHouse's INSERT INTO TABLE
    if (word(j, "FUNCTION") || !name(j)) return std::nullopt;
    NameSpan span{tokens[j].offset, 0, {unquoted(text(j))}};
    std::size_t last = j;
    while (last + 2 < tokens.size() && tokens[last + 1].kind == TokenKind::symbol &&
           text(last + 1) == "." && name(last + 2)) {
      last += 2;
      span.parts.push_back(unquoted(text(last)));
    }
    span.length = tokens[last].offset + tokens[last].length - span.offset;
    return span;
  }
  return std::nullopt;
}

}  // namespace sluice::adapters::sql
