#pragma once
// What the operator commands share: aligned tables, times in a pipeline's zone, time
// options, and the confirmation destructive commands ask for.
#include <optional>
#include <string>
#include <vector>

#include "daemon/ctl/context.hpp"
#include "framework/core/instant.hpp"
#include "framework/time/zone.hpp"

namespace sluice::ctl {

// Columns padded to their widest cell, two spaces apart; the last column is not padded.
void print_table(std::ostream& out, const std::vector<std::string>& headers,
                 const std::vector<std::vector<std::string>>& rows);

// `--from 2024-03-01` or an instant with an offset, in `zone`; UsageError naming the flag.
Instant parse_time_option(const std::string& text, const std::string& flag, time::Zone zone);
// Both given: UsageError unless from < to, both shown in `zone`.
void check_range(Instant from, Instant to, time::Zone zone);

std::string format_time(std::optional<Instant> t, time::Zone zone);  // "-" for none
// The text of `-o json` output. Bytes that are not UTF-8 (a config path, a message quoting
// data) become U+FFFD: nlohmann's default would throw, and print no JSON at all.
template <class Json>
std::string json_text(const Json& value) {
  return value.dump(2, ' ', false, Json::error_handler_t::replace);
}

template <class T>
std::string or_dash(const std::optional<T>& v) {
  return v ? std::to_string(*v) : "-";
}

// Destructive commands run with -y. Without it they ask on a terminal, and on anything else
// (a script, a pipe) refuse with UsageError saying why: nothing is changed.
void confirm(const Context& ctx, const std::string& action);

// Whether ctx.out is the process's terminal (progress bars).
bool out_is_terminal(const Context& ctx);

}  // namespace sluice::ctl
