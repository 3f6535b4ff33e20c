#include "daemon/ops/backfill.hpp"

#include <vector>

#include "daemon/ops/selection.hpp"
#include "framework/time/zone.hpp"

namespace sluice::ops {

using nlohmann::json;
using Kind = Refusal::Kind;

Outcome<BackfillOrder> resolve_backfill(const config::Config& config, const BackfillInput& in,
                                        Dialect d) {
  auto p = find_pipeline(config, in.pipeline);
  if (!p) return tl::unexpected(p.error());
  BackfillOrder order{.pipeline = *p};
  if (in.from.empty()) return refused(Kind::bad_input, "from", spell(d, "from") + ": required");
  if (in.to.empty()) return refused(Kind::bad_input, "to", spell(d, "to") + ": required");
  auto from = parse_time(in.from, "from", (*p)->zone, d);
  if (!from) return tl::unexpected(from.error());
  auto to = parse_time(in.to, "to", (*p)->zone, d);
  if (!to) return tl::unexpected(to.error());
  if (auto r = check_range(*from, *to, (*p)->zone, d); !r) return tl::unexpected(r.error());
  const auto reprocess = store::parse_reprocess(in.reprocess);
  if (!reprocess)
    return refused(
        Kind::bad_input, "reprocess",
        spell(d, "reprocess") + ": '" + in.reprocess + "' is not one of missing, failed, all");
  // A forced backfill reloads a whole range, loaded windows included, which only `all` runs
  // again; with the other modes half the range would be forced and half left alone.
  if (in.force && *reprocess != store::Reprocess::all)
    return refused(Kind::bad_input, "force",
                   spell(d, "force") + " needs " + spell(d, "reprocess") + " all (got '" +
                       in.reprocess + "'): it reloads every window of the range");
  if (auto size = tasks::check_backfill_size((*p)->window, *from, *to,
                                             config.daemon.scheduler.backfill_max_windows);
      !size)
    return refused(Kind::bad_input, "to", size.error().message);
  order.from = *from;
  order.to = *to;
  order.reprocess = *reprocess;
  order.force = in.force;
  return order;
}

Outcome<tasks::BackfillPlan> dry_run(store::Backfills& backfills, const BackfillOrder& order,
                                     Instant now, std::size_t listed) {
  // plan_backfill pulls the range's records one at a time; they are read 10,000 a page, and a
  // failed read ends the pull and is reported after it.
  struct Pages {
    std::vector<store::Backfills::RecordStatus> page{};
    std::size_t next = 0;
    Instant from{};
    bool last = false;
    std::optional<Error> failed{};
  };
  Pages pages{.from = order.from};
  const auto& p = *order.pipeline;
  const auto existing = [&]() -> std::optional<tasks::ExistingWindow> {
    constexpr int kPage = 10'000;
    if (pages.next == pages.page.size()) {
      if (pages.last || pages.failed) return std::nullopt;
      auto read = backfills.statuses(p.id, pages.from, order.to, kPage);
      if (!read) {
        pages.failed = read.error();
        return std::nullopt;
      }
      pages.page = std::move(*read);
      pages.next = 0;
      pages.last = pages.page.size() < static_cast<std::size_t>(kPage);
      if (pages.page.empty()) return std::nullopt;
      pages.from = pages.page.back().window_start + Seconds(1);
    }
    const auto& r = pages.page[pages.next++];
    return tasks::ExistingWindow{r.window_start, r.status};
  };
  auto plan =
      tasks::plan_backfill(p.window, order.from, order.to, now, order.reprocess, existing, listed);
  if (pages.failed) return store_failed(*pages.failed);
  return plan;
}

namespace {

json zoned_windows(const std::vector<Window>& windows, time::Zone zone) {
  json out = json::array();
  for (const auto& w : windows)
    out.push_back(
        json::array({time::format_in_zone(w.start, zone), time::format_in_zone(w.end, zone)}));
  return out;
}

}  // namespace

json backfill_plan_json(const BackfillOrder& order, const tasks::BackfillPlan& plan,
                        std::size_t listed) {
  const auto zone = order.pipeline->zone;
  return {{"pipeline", order.pipeline->id.value},
          {"dry_run", true},
          {"from", time::format_in_zone(order.from, zone)},
          {"to", time::format_in_zone(order.to, zone)},
          {"reprocess", to_string(order.reprocess)},
          {"force", order.force},
          {"windows", plan.windows()},
          {"create", zoned_windows(plan.create.first, zone)},
          {"reset", zoned_windows(plan.reset.first, zone)},
          {"running", zoned_windows(plan.running.first, zone)},
          {"kept", plan.kept.count},
          {"not_due", plan.not_due},
          {"counts",
           {{"create", plan.create.count},
            {"reset", plan.reset.count},
            {"running", plan.running.count},
            {"kept", plan.kept.count},
            {"not_due", plan.not_due}}},
          {"listed_per_action", listed}};
}

json backfill_request_json(const store::BackfillRequest& r,
                           const std::optional<store::BackfillProgress>& progress) {
  json out{{"id", r.id},
           {"pipeline", r.pipeline.value},
           {"from", format_utc(r.from)},
           {"to", format_utc(r.to)},
           {"reprocess", to_string(r.reprocess)},
           {"force", r.force},
           {"status", r.status},
           {"requested_by", r.requested_by},
           {"requested_at", format_utc(r.requested_at)},
           {"started_at", r.started_at ? json(format_utc(*r.started_at)) : json()},
           {"finished_at", r.finished_at ? json(format_utc(*r.finished_at)) : json()},
           {"claimed_by", r.claimed_by.empty() ? json() : json(r.claimed_by)},
           {"windows_total", r.windows_total ? json(*r.windows_total) : json()},
           {"windows_done", r.windows_done},
           {"windows_created", r.windows_created},
           {"windows_reset", r.windows_reset},
           {"planned_until", r.planned_until ? json(format_utc(*r.planned_until)) : json()},
           {"message", r.message.empty() ? json() : json(r.message)}};
  if (progress)
    out["progress"] = {{"windows", progress->total},   {"finished", progress->finished()},
                       {"success", progress->success}, {"skipped", progress->skipped},
                       {"failed", progress->failed},   {"running", progress->running},
                       {"pending", progress->pending}, {"rows", progress->rows}};
  return out;
}

Outcome<json> cancel_backfill(store::Backfills& backfills, std::int64_t id,
                              const store::AuditEntry& audit) {
  auto c = backfills.cancel(id, audit);
  if (!c) return store_failed(c.error());
  using Out = store::BackfillCancel::Outcome;
  if (c->outcome == Out::not_found)
    return refused(Kind::not_found, "id", "no backfill request " + std::to_string(id));
  if (c->outcome == Out::ended)
    return refused(Kind::conflict, "id",
                   "backfill request " + std::to_string(id) + " has ended (" + c->status +
                       "); nothing was changed");
  return json{{"id", id},
              {"status", "CANCELLED"},
              {"was", c->status},
              {"withdrawn", c->withdrawn},
              {"left_running", c->running}};
}

}  // namespace sluice::ops
