// `sluicectl windows preview PIPELINE [--from T] [--to T]`: the windows a pipeline would
// have, with target_day and whether each is due now.
#include <memory>
#include <ostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "daemon/ctl/loaded_config.hpp"
#include "daemon/ctl/numbers.hpp"
#include "daemon/ctl/output.hpp"
#include "framework/time/preview.hpp"

namespace sluice::ctl {
namespace {

struct PreviewOptions {
  std::string pipeline;
  std::string from, to;
  std::size_t limit = 50;
};

int preview(Context& ctx, const PreviewOptions& o) {
  const auto config = load_pipelines(ctx);
  const auto& p = find_pipeline(config, o.pipeline);
  const Instant now = std::chrono::floor<Seconds>(std::chrono::system_clock::now());
  const Instant from =
      o.from.empty() ? p.window.start : parse_time_option(o.from, "--from", p.zone);
  const Instant to = o.to.empty() ? now : parse_time_option(o.to, "--to", p.zone);
  check_range(from, to, p.zone);
  std::int64_t more = 0;
  const auto rows = time::preview_windows(p.window, from, to, now, o.limit, &more);
  if (ctx.output == Output::json) {
    *ctx.out << json_text(time::window_preview_json(rows, p.zone)) << "\n";
  } else {
    *ctx.out << time::format_window_preview(rows, p.zone);
    // On stderr: the table on stdout stays what scripts parse.
    if (more > 0)
      *ctx.err << "sluicectl: " << rows.size() << " of "
               << static_cast<std::int64_t>(rows.size()) + more << " windows shown (-n for more)\n";
  }
  return kExitOk;
}

}  // namespace

void add_windows_command(CLI::App& app, Context& ctx) {
  auto* windows = app.add_subcommand("windows", "inspect a pipeline's windows");
  windows->require_subcommand(1);
  auto* cmd = windows->add_subcommand("preview",
                                      "the windows a pipeline would have, and which are due now");
  auto o = std::make_shared<PreviewOptions>();
  cmd->add_option("pipeline", o->pipeline, "pipeline id")->required();
  cmd->add_option("--from", o->from,
                  "first window start (YYYY-MM-DD, or an instant with offset); default start_date");
  cmd->add_option("--to", o->to, "end (exclusive); default now");
  cmd->add_option("-n,--limit", o->limit, "at most this many windows")
      ->check(count_from(1, 100000));
  cmd->callback([&ctx, o] { ctx.exit_code = preview(ctx, *o); });
}

}  // namespace sluice::ctl
