// `sluicectl notifications list|test`: the outbox's deliveries (pending, sent, given up,
// with their attempts and last error), and a test message sent now through one channel.
#include <memory>
#include <ostream>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "daemon/ctl/database.hpp"
#include "daemon/ctl/loaded_config.hpp"
#include "daemon/ctl/numbers.hpp"
#include "daemon/ctl/output.hpp"
#include "framework/core/suggest.hpp"
#include "framework/notify/notifier.hpp"

namespace sluice::ctl {
namespace {

using nlohmann::json;

struct NotificationsOptions {
  std::string status;
  std::string pipeline;
  int limit = 50;
  std::string channel;
};

std::string when(const std::optional<Instant>& t) {
  return t ? format_utc(*t) : "-";
}

json row_json(const notify::DeliveryRow& r) {
  auto opt = [](const auto& v) { return v ? json(*v) : json(nullptr); };
  return {
      {"id", r.id},
      {"notification_id", r.notification_id},
      {"event", r.event},
      {"pipeline", r.pipeline},
      {"channel", r.channel},
      {"status", r.status},
      {"attempts", r.attempts},
      {"record_id", opt(r.record_id)},
      {"window_start", r.window_start ? json(format_utc(*r.window_start)) : json(nullptr)},
      {"run_id", r.run_id.empty() ? json(nullptr) : json(r.run_id)},
      {"created_at", format_utc(r.created_at)},
      {"next_attempt_at", r.next_attempt_at ? json(format_utc(*r.next_attempt_at)) : json(nullptr)},
      {"sent_at", r.sent_at ? json(format_utc(*r.sent_at)) : json(nullptr)},
      {"message_id", r.message_id.empty() ? json(nullptr) : json(r.message_id)},
      {"last_error", r.last_error.empty() ? json(nullptr) : json(r.last_error)}};
}

int list_notifications(Context& ctx, const NotificationsOptions& o) {
  notify::ListFilter filter{.limit = o.limit};
  if (!o.status.empty()) filter.status = o.status;
  if (!o.pipeline.empty()) filter.pipeline = o.pipeline;
  auto connection = open_database(ctx);
  notify::Outbox outbox(*connection, operator_identity());
  auto rows = outbox.list(filter);
  if (!rows) throw Failure(rows.error());
  if (ctx.output == Output::json) {
    json out = json::array();
    for (const auto& r : *rows) out.push_back(row_json(r));
    *ctx.out << json_text(out) << "\n";
    return kExitOk;
  }
  std::vector<std::vector<std::string>> table;
  for (const auto& r : *rows) {
    const auto& at = r.status == "pending" ? r.next_attempt_at : r.sent_at;
    table.push_back({std::to_string(r.id), format_utc(r.created_at), r.pipeline, r.event,
                     when(r.window_start), r.channel, r.status, std::to_string(r.attempts),
                     when(at), r.last_error.empty() ? "-" : r.last_error});
  }
  print_table(*ctx.out,
              {"ID", "CREATED", "PIPELINE", "EVENT", "WINDOW", "CHANNEL", "STATUS", "ATTEMPTS",
               "SENT/NEXT", "LAST_ERROR"},
              table);
  return kExitOk;
}

int test_channel(Context& ctx, const NotificationsOptions& o) {
  const auto config = load_pipelines(ctx);
  if (!o.pipeline.empty()) (void)find_pipeline(config, o.pipeline);
  const notify::Directory directory(config);
  const notify::Channel* channel = directory.find(o.pipeline, o.channel);
  if (!channel) {
    const auto known = directory.channel_ids(o.pipeline);
    std::string message =
        "no channel '" + o.channel + "'" +
        (o.pipeline.empty() ? std::string(" in the daemon file") : " for pipeline " + o.pipeline);
    const std::vector<std::string_view> names(known.begin(), known.end());
    if (auto close = closest_match(o.channel, names))
      message += " (did you mean '" + *close + "'?)";
    message += known.empty() ? "; none is configured"
                             : "; channels: " + fmt::format("{}", fmt::join(known, ", "));
    if (o.pipeline.empty() && !o.channel.starts_with("daemon/"))
      message += " (a pipeline's channel needs -p PIPELINE)";
    throw UsageError(message);
  }
  const auto now = std::chrono::floor<Seconds>(std::chrono::system_clock::now());
  const notify::Event e{
      .kind = notify::EventKind::test,
      .pipeline = o.pipeline,
      .message = "a test message from `sluicectl notifications test` run by " + operator_identity(),
      .at = now};
  const auto m = notify::direct_message(e, channel->id, operator_identity());
  const auto result = notify::wire_sender(directory)(*channel, m);
  const bool ok = result.verdict == notify::Verdict::delivered;
  if (ctx.output == Output::json) {
    *ctx.out << json_text(json{{"channel", channel->id},
                               {"delivered", ok},
                               {"error", ok ? json(nullptr) : json(result.error)}})
             << "\n";
  } else if (ok) {
    *ctx.out << "test message delivered to " << channel->id << "\n";
  } else {
    *ctx.out << "test message NOT delivered to " << channel->id << ": " << result.error << "\n";
  }
  return ok ? kExitOk : kExitFailed;
}

}  // namespace

void add_notifications_command(CLI::App& app, Context& ctx) {
  auto* n = app.add_subcommand("notifications", "e-mail and webhook deliveries: list, test");
  n->require_subcommand(1);
  auto o = std::make_shared<NotificationsOptions>();
  auto* list = n->add_subcommand("list", "deliveries, newest first, with attempts and errors");
  list->add_option("-s,--status", o->status, "only pending, sent or given_up ones")
      ->check(CLI::IsMember({"pending", "sent", "given_up"}));
  list->add_option("-p,--pipeline", o->pipeline, "only this pipeline's");
  list->add_option("-n,--limit", o->limit, "at most this many (default 50)")
      ->check(count_from(1, 100000));
  list->callback([&ctx, o] { ctx.exit_code = list_notifications(ctx, *o); });

  auto* test = n->add_subcommand(
      "test",
      "send a test message now through CHANNEL: email, webhook:NAME (with -p), or "
      "daemon/email, daemon/webhook:NAME");
  test->add_option("channel", o->channel, "the channel")->required();
  test->add_option("-p,--pipeline", o->pipeline, "the pipeline whose channel it is");
  test->callback([&ctx, o] { ctx.exit_code = test_channel(ctx, *o); });
}

}  // namespace sluice::ctl
