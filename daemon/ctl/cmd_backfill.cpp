// `sluicectl backfill PIPELINE --from T --to T [--reprocess missing|failed|all] [--downstream]
// [--dry-run] [--wait]`: records a backfill request (the trigger flag) for a daemon, or
// `sluicectl run-once`, to turn into windows; --wait follows it to the end.
#include <chrono>
#include <memory>
#include <ostream>
#include <thread>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "daemon/ctl/database.hpp"
#include "daemon/ctl/loaded_config.hpp"
#include "daemon/ctl/numbers.hpp"
#include "daemon/ctl/output.hpp"
#include "daemon/ops/backfill.hpp"
#include "daemon/ops/downstream.hpp"
#include "framework/time/window_generator.hpp"

namespace sluice::ctl {
namespace {

using nlohmann::json;

struct BackfillOptions {
  std::string pipeline, from, to, reprocess = "missing";
  bool dry_run = false, wait = false, force = false, downstream = false;
  std::size_t listed = 100;  // --dry-run: windows listed per action
  double poll_seconds = 1.0;
  double timeout_seconds = 0;  // 0: wait as long as it takes
};

int print_dry_run(Context& ctx, const ops::BackfillOrder& order, std::size_t listed) {
  auto connection = open_database(ctx);
  store::Backfills backfills(*connection, operator_identity());
  const Instant now = std::chrono::floor<Seconds>(std::chrono::system_clock::now());
  const auto plan = take(ops::dry_run(backfills, order, now, listed));
  if (ctx.output == Output::json) {
    *ctx.out << json_text(ops::backfill_plan_json(order, plan, listed)) << "\n";
    return kExitOk;
  }
  const auto& p = *order.pipeline;
  *ctx.out << fmt::format(
      "dry run: {} windows of {} in [{}, {}): {} to create, {} to reset, {} running (left to "
      "their run), {} kept, {} not yet due; nothing was written\n",
      plan.windows(), p.id.value, time::format_in_zone(order.from, p.zone),
      time::format_in_zone(order.to, p.zone), plan.create.count, plan.reset.count,
      plan.running.count, plan.kept.count, plan.not_due);
  std::vector<std::vector<std::string>> rows_out;
  std::vector<std::string> unlisted;
  const auto add = [&](const tasks::BackfillPlan::Action& a, const char* action) {
    for (const auto& w : a.first)
      rows_out.push_back(
          {action, time::format_in_zone(w.start, p.zone), time::format_in_zone(w.end, p.zone)});
    if (a.count > static_cast<std::int64_t>(a.first.size()))
      unlisted.push_back(fmt::format("{} more to {}",
                                     a.count - static_cast<std::int64_t>(a.first.size()), action));
  };
  add(plan.create, "create");
  add(plan.reset, "reset");
  add(plan.running, "running");
  if (!rows_out.empty()) print_table(*ctx.out, {"ACTION", "WINDOW_START", "WINDOW_END"}, rows_out);
  for (const auto& line : unlisted)
    *ctx.out << fmt::format("... {} (not listed: at most {} per action, see --limit)\n", line,
                            listed);
  return kExitOk;
}

std::string duration_text(std::chrono::seconds s) {
  const auto n = s.count();
  return n >= 3600 ? fmt::format("{}h{:02}m{:02}s", n / 3600, n % 3600 / 60, n % 60)
         : n >= 60 ? fmt::format("{}m{:02}s", n / 60, n % 60)
                   : fmt::format("{}s", n);
}

std::string progress_text(std::int64_t id, const store::BackfillProgress& p,
                          std::chrono::seconds elapsed) {
  std::string eta = "-";
  if (p.finished() > 0 && p.total > p.finished())
    eta = duration_text(std::chrono::seconds(static_cast<std::int64_t>(
        static_cast<double>(elapsed.count()) * static_cast<double>(p.total - p.finished()) /
        static_cast<double>(p.finished()))));
  return fmt::format(
      "backfill {}: {}/{} windows (success {}, skipped {}, failed {}, running {}), {} rows, ETA {}",
      id, p.finished(), p.total, p.success, p.skipped, p.failed, p.running, p.rows, eta);
}

std::string bar(const store::BackfillProgress& p) {
  constexpr int kWidth = 30;
  const int filled = p.total > 0 ? static_cast<int>(kWidth * p.finished() / p.total) : 0;
  return "[" + std::string(filled, '#') + std::string(kWidth - filled, '-') + "] ";
}

// Polls the request until it ends; a bar on a terminal, a line per change otherwise.
int wait_for(Context& ctx, store::Connection& connection, std::int64_t id,
             const BackfillOptions& o) {
  store::Backfills backfills(connection, operator_identity());
  const bool terminal = out_is_terminal(ctx) && ctx.output == Output::table;
  const auto started = std::chrono::steady_clock::now();
  std::string last;
  for (;;) {
    auto p = backfills.progress(id);
    if (!p) throw Failure(p.error());
    const auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::steady_clock::now() - started);
    // A request being planned in batches is still PENDING; its message says how far.
    std::string line = p->planned() ? progress_text(id, *p, elapsed)
                       : !p->message.empty()
                           ? fmt::format("backfill {}: {}", id, p->message)
                           : fmt::format(
                                 "backfill {}: waiting for sluiced (or `sluicectl run-once`) "
                                 "to take the request",
                                 id);
    if (ctx.output == Output::table && line != last) {
      if (terminal) {
        *ctx.out << "\r\033[K" << (p->planned() ? bar(*p) : "") << line << std::flush;
      } else {
        *ctx.out << line << "\n" << std::flush;
      }
      last = line;
    }
    if (p->complete()) {
      if (terminal) *ctx.out << "\n";
      if (ctx.output == Output::json) {
        *ctx.out << json_text(json{{"id", id},
                                   {"status", p->status},
                                   {"windows", p->total},
                                   {"success", p->success},
                                   {"skipped", p->skipped},
                                   {"failed", p->failed},
                                   {"rows", p->rows},
                                   {"message", p->message},
                                   {"seconds", elapsed.count()}})
                 << "\n";
      } else {
        *ctx.out << fmt::format("backfill {} {} in {}: {}\n", id, p->status, duration_text(elapsed),
                                p->message);
      }
      return p->status == "DONE" && p->failed == 0 ? kExitOk : kExitFailed;
    }
    if (o.timeout_seconds > 0 && static_cast<double>(elapsed.count()) >= o.timeout_seconds) {
      if (terminal) *ctx.out << "\n";
      *ctx.err << "sluicectl: gave up waiting for backfill " << id << " after "
               << duration_text(elapsed) << "; it goes on without us\n";
      return kExitFailed;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int>(o.poll_seconds * 1000)));
  }
}

// The order for the pipeline, then (with --downstream) one per descendant over the windows
// overlapping it, parents first: each checked as if asked for alone.
std::vector<ops::BackfillOrder> orders_of(const config::Config& config, const BackfillOptions& o) {
  const ops::BackfillInput in{.pipeline = o.pipeline,
                              .from = o.from,
                              .to = o.to,
                              .reprocess = o.reprocess,
                              .force = o.force};
  std::vector<ops::BackfillOrder> out{take(ops::resolve_backfill(config, in, ops::Dialect::cli))};
  if (!o.downstream) return out;
  const auto& first = out.front();
  // The parent's windows that start in [from, to): from the first one's start to the end of
  // the last one.
  const time::WindowSpec& w = first.pipeline->window;
  Instant start = time::floor_boundary(w, first.from);
  if (start < first.from) start = time::next_boundary(w, first.from);
  const Instant end = ops::covering_windows(w, {start, first.to}).end;
  if (end <= start) return out;
  for (const auto& d : ops::downstream_of(config, *first.pipeline, {start, end})) {
    ops::BackfillInput below = in;
    below.pipeline = d.pipeline->id.value;
    below.from = format_utc(d.span.start);
    below.to = format_utc(d.span.end);
    out.push_back(take(ops::resolve_backfill(config, below, ops::Dialect::cli)));
  }
  return out;
}

int run_backfill(Context& ctx, const BackfillOptions& o) {
  // --downstream walks the graph below the pipeline: every file.
  const auto config =
      o.downstream ? load_all_pipelines(ctx) : load_named_pipelines(ctx, {o.pipeline});
  const auto orders = orders_of(config, o);
  if (o.dry_run) {
    for (const auto& order : orders)
      if (const int code = print_dry_run(ctx, order, o.listed); code != kExitOk) return code;
    return kExitOk;
  }
  std::string names;
  for (const auto& order : orders) names += (names.empty() ? "" : ", ") + order.pipeline->id.value;
  if (orders.front().reprocess != store::Reprocess::missing)
    confirm(ctx, "reprocess the " + o.reprocess + " windows of " + names +
                     (o.force ? " (they reload, even those already loaded)" : " (they run again)"));

  auto connection = open_database(ctx);
  store::Backfills backfills(*connection, operator_identity());
  std::vector<std::int64_t> ids;
  json recorded = json::array();
  for (const auto& order : orders) {
    const auto& p = *order.pipeline;
    store::AuditEntry audit{.actor = operator_identity(), .command = "backfill", .pipeline = p.id};
    audit.arguments = {
        {"from", o.from}, {"to", o.to}, {"reprocess", o.reprocess}, {"force", order.force}};
    if (o.downstream) audit.arguments["downstream"] = true;
    if (&order != &orders.front())
      audit.arguments["downstream_of"] = orders.front().pipeline->id.value;
    auto id = backfills.insert(
        {p.id, order.from, order.to, order.reprocess, operator_identity(), order.force}, audit);
    if (!id) throw Failure(id.error());
    ids.push_back(*id);
    recorded.push_back({{"id", *id},
                        {"pipeline", p.id.value},
                        {"from", time::format_in_zone(order.from, p.zone)},
                        {"to", time::format_in_zone(order.to, p.zone)},
                        {"reprocess", o.reprocess},
                        {"force", order.force}});
    if (ctx.output == Output::table) {
      *ctx.out << fmt::format("backfill request {} recorded: {} [{}, {}) reprocess {}{}", *id,
                              p.id.value, time::format_in_zone(order.from, p.zone),
                              time::format_in_zone(order.to, p.zone), o.reprocess,
                              order.force ? ", forced" : "")
               << "\n"
               << std::flush;
    }
  }
  if (ctx.output == Output::json && !o.wait) {
    json out = recorded.front();
    if (o.downstream) out["downstream"] = json(recorded.begin() + 1, recorded.end());
    *ctx.out << json_text(out) << "\n";
  }
  if (!o.wait) return kExitOk;
  // Parents first: by the time a child's request is followed, its parents' have ended.
  int code = kExitOk;
  for (const auto id : ids)
    if (wait_for(ctx, *connection, id, o) != kExitOk) code = kExitFailed;
  return code;
}

}  // namespace

void add_backfill_command(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("backfill",
                                 "request (re)processing of a range of windows; --wait follows it");
  auto o = std::make_shared<BackfillOptions>();
  cmd->add_option("pipeline", o->pipeline, "pipeline id")->required();
  cmd->add_option("--from", o->from, "first window start (YYYY-MM-DD or an instant with offset)")
      ->required();
  cmd->add_option("--to", o->to, "end of the range (exclusive)")->required();
  cmd->add_option("--reprocess", o->reprocess,
                  "missing: only windows without a record (default); failed: also FAILED ones; "
                  "all: every window");
  cmd->add_flag("--force", o->force,
                "with --reprocess all: reload every window even when pre-validation finds the "
                "target holding the source's count (data corrected at the source)");
  cmd->add_flag("--downstream", o->downstream,
                "also request the windows of every pipeline that depends on it (depends_on, "
                "transitively) overlapping the range, with the same --reprocess, parents first");
  cmd->add_flag("--dry-run", o->dry_run,
                "print the windows it would create or reset; write nothing");
  cmd->add_option("-n,--limit", o->listed,
                  "--dry-run: list at most this many windows per action (all are counted)")
      ->check(count_from(0, 100000));
  cmd->add_flag("--wait", o->wait,
                "follow the request until its windows are done; exit 1 if any failed");
  cmd->add_option("--poll-interval", o->poll_seconds, "seconds between progress reads with --wait")
      ->check(finite_number(0.05, 60.0));
  cmd->add_option("--timeout", o->timeout_seconds,
                  "give up waiting after this many seconds (exit 1)")
      ->check(finite_number(0.0, 1e7));
  cmd->callback([&ctx, o] { ctx.exit_code = run_backfill(ctx, *o); });
}

}  // namespace sluice::ctl
