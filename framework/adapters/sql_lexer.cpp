#include "framework/adapters/sql_lexer.hpp"

#include <cctype>

namespace sluice::adapters::sql {
namespace {

bool word_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

bool word_char(char c) {
  return word_start(c) || std::isdigit(static_cast<unsigned char>(c)) || c == '$';
}

bool space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

}  // namespace

bool Lexer::at_comment_start() const {
  const auto rest = text_.substr(at_);
  if (rest.starts_with("/*")) return true;
  if (dialect_ == Dialect::mysql) {
    // MariaDB reads `--` as a comment only before a space or a control character: `1--1` is
    // one minus minus one.
    if (rest.starts_with('#')) return true;
    return rest.starts_with("--") &&
           (rest.size() == 2 || static_cast<unsigned char>(rest[2]) <= ' ');
  }
  return rest.starts_with("--");
}

bool Lexer::skip_space_and_comments() {
  for (;;) {
    while (at_ < text_.size() && space(text_[at_])) ++at_;
    if (at_ >= text_.size() || !at_comment_start()) return true;
    const std::size_t start = at_;
    if (text_[at_] != '/') {  // to the end of the line
      const auto eol = text_.find('\n', at_);
      at_ = eol == std::string_view::npos ? text_.size() : eol + 1;
      continue;
    }
    // PostgreSQL nests block comments; MariaDB and ClickHouse end one at the first `*/`.
    int depth = 0;
    while (at_ < text_.size()) {
      if (text_.substr(at_).starts_with("/*")) {
        if (depth == 0 || dialect_ == Dialect::postgres) ++depth;
        at_ += 2;
      } else if (text_.substr(at_).starts_with("*/")) {
        at_ += 2;
        if (--depth == 0) break;
      } else {
        ++at_;
      }
    }
    if (depth != 0) {
      problem_ = LexProblem{start, "a comment is not closed"};
      return false;
    }
  }
}

std::optional<Token> Lexer::quoted(std::size_t start, char quote, bool escapes, TokenKind kind) {
  std::size_t i = at_ + 1;
  while (i < text_.size()) {
    const char c = text_[i];
    if (escapes && c == '\\') {
      i += 2;
    } else if (c == quote) {
      if (i + 1 < text_.size() && text_[i + 1] == quote) {
        i += 2;  // a doubled quote stands for itself
      } else {
        at_ = i + 1;
        return Token{kind, start, at_ - start};
      }
    } else {
      ++i;
    }
  }
  problem_ = LexProblem{
      at_, kind == TokenKind::string ? "a string is not closed" : "a quoted name is not closed"};
  return std::nullopt;
}

std::optional<Token> Lexer::dollar_quoted(std::size_t start) {
  const auto close = text_.find('$', at_ + 1);
  const std::string_view tag = text_.substr(at_, close - at_ + 1);
  const auto end = text_.find(tag, close + 1);
  if (end == std::string_view::npos) {
    problem_ = LexProblem{at_, "a dollar-quoted string (" + std::string(tag) + ") is not closed"};
    return std::nullopt;
  }
  at_ = end + tag.size();
  return Token{TokenKind::string, start, at_ - start};
}

std::optional<Token> Lexer::next() {
  if (problem_ || !skip_space_and_comments() || at_ >= text_.size()) return std::nullopt;
  const std::size_t start = at_;
  const char c = text_[at_];
  const auto peek = [&](std::size_t ahead) {
    return at_ + ahead < text_.size() ? text_[at_ + ahead] : '\0';
  };
  const bool pg = dialect_ == Dialect::postgres, my = dialect_ == Dialect::mysql;
  if (word_start(c)) {
    // `$` continues a name on PostgreSQL and MariaDB, not on ClickHouse.
    while (at_ < text_.size() &&
           (word_char(text_[at_]) && (dialect_ != Dialect::clickhouse || text_[at_] != '$')))
      ++at_;
    // E'...': PostgreSQL's string with backslash escapes.
    if (pg && at_ - start == 1 && (c == 'E' || c == 'e') && peek(0) == '\'')
      return quoted(start, '\'', true, TokenKind::string);
    return Token{TokenKind::word, start, at_ - start};
  }
  if (std::isdigit(static_cast<unsigned char>(c))) {
    while (at_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[at_])) ||
                                  text_[at_] == '.' || text_[at_] == '_'))
      ++at_;
    return Token{TokenKind::number, start, at_ - start};
  }
  switch (c) {
    case '\'': return quoted(start, '\'', !pg, TokenKind::string);
    case '"':
      if (my) return quoted(start, '"', true, TokenKind::string);
      return quoted(start, '"', !pg, TokenKind::quoted_name);
    case '`':
      if (!pg) return quoted(start, '`', !my, TokenKind::quoted_name);
      break;
    case '$':
      if (pg && std::isdigit(static_cast<unsigned char>(peek(1)))) {
        ++at_;
        while (at_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[at_]))) ++at_;
        return Token{TokenKind::parameter, start, at_ - start};
      }
      if (pg) {
        std::size_t j = at_ + 1;
        while (j < text_.size() && text_[j] != '$' && word_char(text_[j])) ++j;
        if (j < text_.size() && text_[j] == '$') return dollar_quoted(start);
      }
      break;
    case ':':
      if (peek(1) == ':') {
        at_ += 2;
        return Token{TokenKind::symbol, start, 2};
      }
      if (word_start(peek(1)) && static_cast<unsigned char>(peek(1)) < 0x80) {
        ++at_;
        while (at_ < text_.size() &&
               (std::isalnum(static_cast<unsigned char>(text_[at_])) || text_[at_] == '_'))
          ++at_;
        return Token{TokenKind::placeholder, start, at_ - start};
      }
      break;
    case '?':
      if (my) {
        ++at_;
        return Token{TokenKind::parameter, start, 1};
      }
      break;
    default: break;
  }
  ++at_;
  return Token{TokenKind::symbol, start, 1};
}

std::string unquoted(std::string_view t) {
  if (t.size() < 2 || (t.front() != '"' && t.front() != '`') || t.back() != t.front())
    return std::string(t);
  std::string out;
  const char q = t.front();
  for (std::size_t i = 1; i + 1 < t.size(); ++i) {
    if (t[i] == q && i + 2 < t.size()) ++i;  // a doubled quote
    out += t[i];
  }
  return out;
}

bool is_keyword(std::string_view t, std::string_view word) {
  if (t.size() != word.size()) return false;
  for (std::size_t i = 0; i < t.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(t[i])) !=
        std::tolower(static_cast<unsigned char>(word[i])))
      return false;
  return true;
}

}  // namespace sluice::adapters::sql
