#pragma once
// A pipeline's `run_if` at run time (README, Conditions (run_if)): the conditions a window
// must meet before anything is read, checked by store & validate. A false one makes the
// window wait (released without counting an attempt, checked again after a growing delay,
// FAILED once `give_up_after` has passed since its first claim) or end SKIPPED.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "framework/adapters/sql_runner.hpp"
#include "framework/core/error.hpp"
#include "framework/store/record_store.hpp"
#include "framework/time/calendar.hpp"
#include "framework/time/field_template.hpp"

namespace sluice::tasks {

struct TaskContext;

struct RunIf {
  std::optional<std::string> sql;
  std::string connection;                       // where `sql` runs, for messages
  std::shared_ptr<adapters::SqlRunner> runner;  // on `connection`
  std::optional<std::int64_t> min_source_rows;
  std::optional<time::FieldTemplate> file_exists;
  std::filesystem::path file_root;  // a relative file_exists starts here
  time::SkipCalendar calendar;
  bool skip = false;  // on_false: skip
  std::chrono::seconds give_up_after{std::chrono::hours(24)};
};

// The first condition found false: which one, and what was found
// (`file_exists: /data/2024/01/02/_SUCCESS does not exist`). `lasting`: no wait can change it
// (a calendar day).
struct Unmet {
  std::string reason;
  bool lasting = false;
};

// Asks the conditions in order, the cheap ones first (calendar, file_exists,
// min_source_rows, sql), up to the first false one; nullopt when all hold. Whatever keeps a
// condition from being asked (the query fails, the source cannot count, the marker's
// directory cannot be read) is a retryable error, never a pass; a query whose first column
// is neither a boolean nor a number is a permanent one.
Result<std::optional<Unmet>> unmet_condition(const RunIf& run_if, const TaskContext& ctx);

// Store & validate's write when the window may not go on (nullopt: it may, or it has no
// run_if, or it completed a phase already: its conditions held then). `jitter` in [0, 1) is
// the draw of the next check's delay.
Result<std::optional<store::TaskWrite>> check_run_if(const TaskContext& ctx, double jitter);

// A first column as a condition: a boolean (`t`, `true`, `f`, `false`, any case) or a number
// (true unless 0); nullopt for anything else.
std::optional<bool> truth_of(std::string_view value);

}  // namespace sluice::tasks
