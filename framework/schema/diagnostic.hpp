#pragma once
// What config validation reports: `FILE:LINE:COLUMN: key.path: message`, all of them at once,
// sorted by place, so an operator fixes a file top to bottom in one pass.
#include <compare>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::config {

struct Location {
  std::string file;
  int line = 0;  // 1-based; 0 means the file as a whole (unreadable, empty)
  int column = 0;

  auto operator<=>(const Location&) const = default;
};

struct Diagnostic {
  Location where;
  std::string path;  // `window.granularity`, `connections.pg.password`; empty for a file
  std::string message;

  auto operator<=>(const Diagnostic&) const = default;
};

// `FILE:LINE:COLUMN` (or `FILE` for line 0).
std::string to_string(const Location& where);
// `FILE:LINE:COLUMN: key.path: message`.
std::string to_string(const Diagnostic& d);

class Diagnostics {
 public:
  void error(Location where, std::string path, std::string message);
  // Something the config may hold that has no effect (a planned key): reported, never fatal.
  void warning(Location where, std::string path, std::string message);
  // A scalar of the config that holds a credential (a URL with a password): wherever a
  // diagnostic quotes it, or its credential alone, it shows masked as `config show` shows
  // it. The loader registers every such scalar of every file, so no message site has to.
  void mask(std::string_view scalar);
  // No diagnostic yet, the same masks: for one pipeline file's own problems (failure
  // isolation keeps them apart), which then mask the daemon file's credentials too.
  Diagnostics with_same_masks() const;
  bool empty() const { return items_.empty(); }
  std::size_t size() const { return items_.size(); }
  // Sorted by file, line, column; exact duplicates removed; registered scalars masked.
  std::vector<Diagnostic> sorted() const;
  // The warnings, sorted and masked the same way.
  std::vector<Diagnostic> sorted_warnings() const;

 private:
  std::string masked(std::string text) const;
  std::vector<Diagnostic> prepared(std::vector<Diagnostic> items) const;

  std::vector<Diagnostic> items_;
  std::vector<Diagnostic> warnings_;
  std::map<std::string, std::string, std::less<>> masks_;  // scalar -> its shown form
  std::set<std::string, std::less<>> mask_parts_;          // the credentials themselves
};

// `a.b` + `c` = `a.b.c`; either side may be empty.
std::string join_path(const std::string& prefix, std::string_view key);

}  // namespace sluice::config
