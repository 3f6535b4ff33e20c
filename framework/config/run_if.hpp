#pragma once
// A pipeline's `run_if` as the loader checked it (keys_run_if.cpp, build_run_if.cpp): the
// conditions a window must meet before anything is read, and what happens when one is false.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "framework/time/calendar.hpp"
#include "framework/time/duration.hpp"
#include "framework/time/field_template.hpp"

namespace sluice::config {

struct RunIfConfig {
  std::optional<std::string> sql;
  std::string connection;  // where `sql` runs: `run_if.connection`, or the default one
  std::optional<std::int64_t> min_source_rows;
  std::optional<time::FieldTemplate> file_exists;
  std::filesystem::path file_root;  // a relative file_exists starts here (the file source's root)
  time::SkipCalendar calendar;
  bool skip = false;  // `on_false: skip`; else wait
  time::Duration give_up_after;
};

}  // namespace sluice::config
