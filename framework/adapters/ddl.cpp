#include "framework/adapters/ddl.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>

namespace sluice::adapters::sql {
namespace {

// What starts a table constraint instead of a column (PostgreSQL, MariaDB, ClickHouse).
constexpr std::array<std::string_view, 13> kTableConstraints{
    "CONSTRAINT", "PRIMARY",  "UNIQUE",  "CHECK",      "FOREIGN", "EXCLUDE", "INDEX",
    "KEY",        "FULLTEXT", "SPATIAL", "PROJECTION", "LIKE",    "PERIOD"};

// What ends a column's type: its constraints, default, codec, comment...
constexpr std::array<std::string_view, 24> kTypeEnds{"NOT",
                                                     "NULL",
                                                     "DEFAULT",
                                                     "PRIMARY",
                                                     "UNIQUE",
                                                     "CHECK",
                                                     "REFERENCES",
                                                     "CONSTRAINT",
                                                     "GENERATED",
                                                     "COLLATE",
                                                     "AUTO_INCREMENT",
                                                     "COMMENT",
                                                     "ON",
                                                     "MATERIALIZED",
                                                     "ALIAS",
                                                     "CODEC",
                                                     "TTL",
                                                     "EPHEMERAL",
                                                     "AS",
                                                     "INVISIBLE",
                                                     "VISIBLE",
                                                     "STORED",
                                                     "VIRTUAL",
                                                     "COMPRESSION"};

template <std::size_t N>
bool one_of(std::string_view text, const std::array<std::string_view, N>& words) {
  return std::any_of(words.begin(), words.end(),
                     [&](std::string_view w) { return is_keyword(text, w); });
}

std::string collapsed(std::string_view text) {
  std::string out;
  for (char c : text) {
    const bool blank = c == ' ' || c == '\t' || c == '\n' || c == '\r';
    if (blank) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

class Parser {
 public:
  Parser(std::string_view ddl, std::vector<Token> tokens) : ddl_(ddl), tokens_(std::move(tokens)) {}

  tl::expected<CreateTable, Problem> parse() {
    CreateTable out;
    if (!keyword("CREATE")) return problem("expected CREATE TABLE");
    if (keyword("OR") && !keyword("REPLACE")) return problem("expected OR REPLACE");
    while (keyword("TEMP") || keyword("TEMPORARY") || keyword("UNLOGGED") || keyword("GLOBAL") ||
           keyword("LOCAL")) {
    }
    if (!keyword("TABLE")) return problem("expected TABLE: only a CREATE TABLE is read");
    if (keyword("IF") && !(keyword("NOT") && keyword("EXISTS")))
      return problem("expected IF NOT EXISTS");
    if (!name_token()) return problem("expected the table's name");
    out.name_offset = tokens_[at_].offset;
    out.name.push_back(unquoted(text(at_++)));
    while (symbol(".")) {
      if (!name_token()) return problem("expected a name after '.'");
      out.name.push_back(unquoted(text(at_++)));
    }
    if (keyword("ON")) {  // ClickHouse's ON CLUSTER name
      if (!keyword("CLUSTER") || !name_token()) return problem("expected ON CLUSTER name");
      ++at_;
    }
    if (!symbol("("))
      return problem("expected the column list in parentheses after the table's name");
    for (;;) {
      auto item = column();
      if (!item) return tl::unexpected(item.error());
      if (*item) out.columns.push_back(std::move(**item));
      if (symbol(",")) continue;
      if (symbol(")")) break;
      if (!more()) return problem("the column list is not closed");
      return problem("expected ',' or ')' after a column");
    }
    if (out.columns.empty())
      return tl::unexpected(Problem{out.name_offset, "the table has no column"});
    // What follows (ENGINE, ORDER BY, PARTITION BY...) is the server's to read, but only up
    // to the end of the statement: `ddl` runs as written, one statement.
    for (; more(); ++at_)
      if (tokens_[at_].kind == TokenKind::symbol && text(at_) == ";")
        return problem("';' ends the CREATE TABLE and another statement follows: one only");
    return out;
  }

 private:
  std::string_view text(std::size_t i) const { return tokens_[i].in(ddl_); }
  bool more() const { return at_ < tokens_.size(); }
  bool keyword(std::string_view w) {
    if (!more() || tokens_[at_].kind != TokenKind::word || !is_keyword(text(at_), w)) return false;
    ++at_;
    return true;
  }
  bool symbol(std::string_view s) {
    if (!more() || tokens_[at_].kind != TokenKind::symbol || text(at_) != s) return false;
    ++at_;
    return true;
  }
  bool name_token() const {
    return more() &&
           (tokens_[at_].kind == TokenKind::word || tokens_[at_].kind == TokenKind::quoted_name);
  }
  tl::unexpected<Problem> problem(std::string message) const {
    const std::size_t offset = more() ? tokens_[at_].offset : ddl_.size();
    return tl::unexpected(Problem{offset, std::move(message)});
  }

  // One item of the column list, up to its `,` or `)`: a column, or nullopt for a table
  // constraint.
  tl::expected<std::optional<DdlColumn>, Problem> column() {
    if (!more()) return problem("the column list is not closed");
    const bool constraint =
        tokens_[at_].kind == TokenKind::word && one_of(text(at_), kTableConstraints);
    if (!constraint && !name_token()) return problem("expected a column's name");
    DdlColumn c{unquoted(text(at_)), "", tokens_[at_].offset};
    ++at_;
    std::optional<std::size_t> type_begin, type_end;
    bool type_over = constraint;
    int depth = 0;
    while (more()) {
      const Token& t = tokens_[at_];
      const std::string_view s = text(at_);
      if (t.kind == TokenKind::symbol && depth == 0 && (s == "," || s == ")")) break;
      if (t.kind == TokenKind::symbol && s == "(") ++depth;
      if (t.kind == TokenKind::symbol && s == ")") --depth;
      if (depth == 0 && t.kind == TokenKind::word && one_of(s, kTypeEnds)) type_over = true;
      if (!type_over) {
        if (!type_begin) type_begin = t.offset;
        type_end = t.offset + t.length;
      }
      ++at_;
    }
    if (constraint) return std::optional<DdlColumn>{};
    if (type_begin) c.type = collapsed(ddl_.substr(*type_begin, *type_end - *type_begin));
    return std::optional(std::move(c));
  }

  std::string_view ddl_;
  std::vector<Token> tokens_;
  std::size_t at_ = 0;
};

std::string lower(std::string_view s) {
  std::string out;
  for (char c : s) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

tl::expected<CreateTable, Problem> parse_create_table(std::string_view ddl, Dialect dialect) {
  Lexer lexer(ddl, dialect);
  std::vector<Token> tokens;
  while (auto t = lexer.next()) tokens.push_back(*t);
  if (const auto& p = lexer.problem()) return tl::unexpected(Problem{p->offset, p->message});
  if (!tokens.empty() && tokens.back().kind == TokenKind::symbol && tokens.back().in(ddl) == ";")
    tokens.pop_back();
  return Parser(ddl, std::move(tokens)).parse();
}

bool same_name(std::string_view a, std::string_view b, Dialect dialect) {
  if (dialect == Dialect::clickhouse) return a == b;
  return lower(a) == lower(b);
}

bool names_table(const std::vector<std::string>& parts, std::string_view table, Dialect dialect) {
  const auto dot = table.rfind('.');
  const std::string_view last = dot == std::string_view::npos ? table : table.substr(dot + 1);
  if (parts.empty() || !same_name(parts.back(), last, dialect)) return false;
  if (dot == std::string_view::npos || parts.size() < 2) return true;
  return same_name(parts[parts.size() - 2], table.substr(0, dot), dialect);
}

std::string qualified(const CreateTable& ddl) {
  std::string out;
  for (const auto& part : ddl.name) out += (out.empty() ? "" : ".") + part;
  return out;
}

}  // namespace sluice::adapters::sql
