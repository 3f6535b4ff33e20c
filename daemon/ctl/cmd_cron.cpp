// sluicectl cron next EXPR [--zone Z] [--after T] [-n N]: the next fire instants of a cron
// expression, one per line in the zone, like `systemd-analyze calendar --iterations=N`.
#include <chrono>
#include <memory>
#include <ostream>

#include <CLI/CLI.hpp>

#include "daemon/ctl/context.hpp"
#include "daemon/ctl/numbers.hpp"
#include "daemon/ctl/output.hpp"
#include "framework/time/preview.hpp"

namespace sluice::ctl {
namespace {

struct CronNextOptions {
  std::vector<std::string> expression;  // the fields, quoted as one or given as several
  std::string zone = "UTC";
  std::string after;
  std::size_t count = 5;
};

void run_cron_next(const CronNextOptions& o, Context& ctx) {
  std::string expression;
  for (const auto& part : o.expression) expression += (expression.empty() ? "" : " ") + part;
  auto zone = time::locate_zone(o.zone);
  if (!zone) throw UsageError("cron next: --zone: " + zone.error());
  auto cron = time::Cron::parse(expression);
  if (!cron) throw UsageError("cron next: " + cron.error());
  Instant after = std::chrono::floor<Seconds>(std::chrono::system_clock::now());
  if (!o.after.empty()) {
    auto parsed = time::parse_instant(o.after, *zone);
    if (!parsed) throw UsageError("cron next: --after: " + parsed.error());
    after = *parsed;
  }
  const auto fires = time::next_fires(*cron, *zone, after, o.count);
  if (ctx.output == Output::json)
    *ctx.out << json_text(time::fires_json(fires, *zone)) << "\n";
  else
    *ctx.out << time::format_fires(fires, *zone);
}

}  // namespace

void add_cron_command(CLI::App& app, Context& ctx) {
  auto* cron = app.add_subcommand("cron", "cron expressions: preview when they fire");
  cron->require_subcommand(1);
  auto options = std::make_shared<CronNextOptions>();
  auto* next = cron->add_subcommand(
      "next", "print the next fire instants of a 5-field Vixie cron expression or @macro");
  next->add_option("expression", options->expression,
                   "the expression, e.g. '*/15 9-17 * * mon-fri' (quote it, or give the fields)")
      ->required();
  next->add_option("-z,--zone", options->zone, "IANA time zone to evaluate and print in")
      ->capture_default_str();
  next->add_option("--after", options->after,
                   "start after this instant: YYYY-MM-DDTHH:MM:SS+HH:MM, ...Z or a bare date "
                   "(local midnight); default now");
  next->add_option("-n,--count", options->count, "how many fire instants")
      ->check(count_from(1, 100000))
      ->capture_default_str();
  next->callback([options, &ctx] { run_cron_next(*options, ctx); });
}

}  // namespace sluice::ctl
