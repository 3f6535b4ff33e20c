#include "daemon/ctl/output.hpp"

#include <unistd.h>

#include <iostream>

#include "daemon/ops/selection.hpp"

namespace sluice::ctl {

void print_table(std::ostream& out, const std::vector<std::string>& headers,
                 const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width(headers.size());
  for (std::size_t i = 0; i < headers.size(); ++i) width[i] = headers[i].size();
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size() && i < width.size(); ++i)
      width[i] = std::max(width[i], row[i].size());
  const auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      text += cells[i];
      if (i + 1 < cells.size()) text += std::string(width[i] - cells[i].size() + 2, ' ');
    }
    out << text << "\n";
  };
  line(headers);
  for (const auto& row : rows) line(row);
}

Instant parse_time_option(const std::string& text, const std::string& flag, time::Zone zone) {
  return take(ops::parse_time(text, flag.substr(2), zone, ops::Dialect::cli));
}

void check_range(Instant from, Instant to, time::Zone zone) {
  take(ops::check_range(from, to, zone, ops::Dialect::cli));
}

std::string format_time(std::optional<Instant> t, time::Zone zone) {
  return t ? time::format_in_zone(*t, zone) : "-";
}

void confirm(const Context& ctx, const std::string& action) {
  if (ctx.yes) return;
  if (!isatty(STDIN_FILENO))
    throw UsageError("refusing to " + action +
                     " without -y: there is no terminal to ask on; nothing was changed");
  *ctx.err << "sluicectl: " << action << "? [y/N] " << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  if (answer != "y" && answer != "Y" && answer != "yes")
    throw UsageError("not confirmed; nothing was changed");
}

bool out_is_terminal(const Context& ctx) {
  return ctx.out == &std::cout && isatty(STDOUT_FILENO);
}

}  // namespace sluice::ctl
