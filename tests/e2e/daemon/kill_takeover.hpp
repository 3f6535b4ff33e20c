#pragma once
// kill -9 of sluiced in the middle of a window's load, and another daemon taking the window
// over: what the kill tests of SQL pipelines and of targets share. A look at the target's
// window judges it untouched (its old rows), whole (all of its new ones) or partial.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <set>
#include <string>

#include "tests/support/test_database.hpp"

namespace sluice::test {

// The window's rows before the run (noted 'old') and after (noted 'new').
struct Expect {
  std::int64_t old_rows;
  std::int64_t new_rows;
};

// `old new` counts of the window -> what a look found.
std::string judged(std::int64_t old_rows, std::int64_t new_rows, const Expect& e);

// Runs the victim until its load is running (`loading`), kills it, and looks at the window
// (`look`) until the load it left is gone and then while an heir runs the window to SUCCESS.
// `strict_with_heir`: the heir's own run must also show only untouched or whole (false where
// its replacement deletes first). Returns what the looks found.
std::set<std::string> kill_and_take_over(const TestDatabase& db, store::Connection& c,
                                         const std::filesystem::path& dir,
                                         const std::function<bool()>& loading,
                                         const std::function<std::string()>& look,
                                         bool strict_with_heir);

}  // namespace sluice::test
