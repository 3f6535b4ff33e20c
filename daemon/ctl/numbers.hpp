#pragma once
// Whole-number options. CLI11 reads integers with strtoll in base 0: it clamps an
// out-of-range value (`records show 99999999999999999999` asked for record
// 9223372036854775807), takes hex and octal (`010` is 8), and skips leading blanks and a
// `+`. Every integer option and argument of sluicectl is checked by one of these validators
// first, on the text as typed: plain decimal digits, no leading zero, within the range;
// anything else is a usage error (exit 2) naming the option and the text.
#include <cstdint>
#include <limits>
#include <string>

#include <CLI/Error.hpp>  // Validators.hpp needs it first
#include <CLI/Validators.hpp>

namespace sluice::ctl {

// `what` names the value in the error: "'12abc' is not a record id (a whole number from 1 to
// 9223372036854775807)".
CLI::Validator whole_number(std::int64_t min, std::int64_t max, const std::string& what);

// A pipeline_records id (bigserial): 1 .. 2^63-1.
CLI::Validator record_id();

// A count such as --limit or --workers, from `min` to `max`.
CLI::Validator count_from(std::int64_t min, std::int64_t max);

// A number of seconds (or another finite decimal) from `min` to `max`: CLI11's Range lets
// `nan` through, which no comparison refuses.
CLI::Validator finite_number(double min, double max);

}  // namespace sluice::ctl
