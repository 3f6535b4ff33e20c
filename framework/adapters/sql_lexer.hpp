#pragma once
// A small SQL lexer for the three servers sluice runs statements on (PostgreSQL, MariaDB,
// ClickHouse): enough to tell text the server reads as code from strings, quoted names and
// comments, so that `:window_start` is a placeholder in code and nothing inside a literal,
// and a CREATE TABLE's column list can be split at its top-level commas. It never decides
// what a statement means: the server does. Offsets are bytes into the text.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::adapters::sql {

// The quoting and comment rules differ:
// - postgres: '...' with '' (E'...' also takes backslash escapes), "name", $tag$...$tag$,
//   `--` to the end of the line, nested /* */; `$1` is a parameter.
// - mysql (MariaDB): '...' and "..." strings with backslash escapes and doubling (sluice's
//   sessions run without ANSI_QUOTES), `name`, `#` and `-- ` (a space after) to the end of the
//   line, /* */; `?` is a parameter.
// - clickhouse: '...' with backslash escapes and doubling, "name" and `name`, `--` and /* */.
enum class Dialect { postgres, mysql, clickhouse };

enum class TokenKind {
  word,         // a keyword or a plain name: letters, digits, `_`, `$`, bytes >= 0x80
  quoted_name,  // "name" or `name`
  string,       // a string literal, with its quotes (and its E / N / X prefix, if any)
  number,       // starts with a digit
  placeholder,  // `:name`, not `::` and not `:=`
  parameter,    // the server's own: `$1` (postgres), `?` (mysql)
  symbol,       // one character (`(`, `,`, `;`, `.`), or `::`
};

struct Token {
  TokenKind kind = TokenKind::symbol;
  std::size_t offset = 0;
  std::size_t length = 0;

  std::string_view in(std::string_view text) const { return text.substr(offset, length); }
};

// Why the text is not well formed where it stopped (an unclosed string or comment).
struct LexProblem {
  std::size_t offset = 0;
  std::string message;
};

class Lexer {
 public:
  Lexer(std::string_view text, Dialect dialect) : text_(text), dialect_(dialect) {}

  // The next token after spaces and comments; nullopt at the end, or at a problem (then
  // problem() says what).
  std::optional<Token> next();
  const std::optional<LexProblem>& problem() const { return problem_; }

 private:
  bool skip_space_and_comments();
  std::optional<Token> quoted(std::size_t start, char quote, bool escapes, TokenKind kind);
  std::optional<Token> dollar_quoted(std::size_t start);
  bool at_comment_start() const;

  std::string_view text_;
  Dialect dialect_;
  std::size_t at_ = 0;
  std::optional<LexProblem> problem_;
};

// The name a word or quoted name stands for: a quoted name without its quotes (doubled
// quotes made single), a word as written.
std::string unquoted(std::string_view token_text);
// Whether `token` is the keyword `word` (ASCII, any case).
bool is_keyword(std::string_view token_text, std::string_view word);

}  // namespace sluice::adapters::sql
