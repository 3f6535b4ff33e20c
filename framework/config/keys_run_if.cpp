// A pipeline's `run_if`: the conditions a window must meet before anything is read.
#include "framework/config/keys.hpp"
#include "framework/time/calendar.hpp"

namespace sluice::config {
namespace {

std::string check_calendar_entry(std::string_view text) {
  time::SkipCalendar scratch;
  auto added = time::add_calendar_entry(scratch, text);
  return added ? std::string() : added.error();
}

}  // namespace

const KeyTable& run_if_keys() {
  static const KeyTable t{
      "pipeline.run_if",
      "Conditions a window must meet before anything is read, checked by store & validate at "
      "each claim until they hold; every condition given must hold, the cheap ones asked first "
      "(calendar, file_exists, min_source_rows, sql). An error while checking one (the query "
      "fails, the source cannot count) is a retryable error, never a pass (README, Conditions).",
      {
          {.name = "sql",
           .type = KeyType::string,
           .description = "A query on `connection`, with `:window_start`, `:window_end` and "
                          "`:target_day` bound as in SQL pipelines: it holds when its first row's "
                          "first column is true (a boolean true, or a number other than 0); no "
                          "row, NULL, false or 0 do not."},
          {.name = "connection",
           .type = KeyType::string,
           .description = "The connection `sql` runs on: postgres, mysql or clickhouse. Only "
                          "with `sql`.",
           .default_value = "(the source's connection; a SQL pipeline's target's)"},
          {.name = "min_source_rows",
           .type = KeyType::integer,
           .description = "Holds when the source counts at least this many rows in the "
                          "window. Not with `kind: sql`, which has no source.",
           .min = 0},
          {.name = "file_exists",
           .type = KeyType::field_template,
           .description = "A marker file per window, as file paths are written: "
                          "`/data/{window_start:%Y/%m/%d}/_SUCCESS`. Holds when it exists. A "
                          "relative path starts from the `root` of the pipeline's file source."},
          {.name = "calendar",
           .type = KeyType::string_list,
           .description = "Days that do not run: dates `YYYY-MM-DD` and weekdays (`saturday`, "
                          "`sat`: at least three letters), judged on the local date of the "
                          "window's start in the "
                          "pipeline's zone (its target_day). Such a window is SKIPPED whatever "
                          "`on_false` says: its day will never change.",
           .check = check_calendar_entry},
          {.name = "on_false",
           .type = KeyType::choice,
           .description = "`wait`: the window goes back to PENDING without counting an attempt "
                          "and is checked again later, after delays growing from "
                          "`retries.base_delay` to `retries.max_delay`, until `give_up_after`; "
                          "then FAILED. `skip`: SKIPPED at once. Either way the record's "
                          "error_message says which condition and what was found.",
           .default_value = "wait",
           .choices = {"wait", "skip"}},
          {.name = "give_up_after",
           .type = KeyType::duration,
           .description = "How long a waiting window waits, from its first claim "
                          "(pipeline_start_time, which a rerun clears), before it ends FAILED.",
           .default_value = "1d"},
      }};
  return t;
}

}  // namespace sluice::config
