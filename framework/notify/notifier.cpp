#include "framework/notify/notifier.hpp"

#include <algorithm>

#include "framework/observe/log.hpp"

namespace sluice::notify {
namespace {

constexpr std::chrono::milliseconds kIdleLook{30'000};
constexpr std::chrono::milliseconds kAfterError{5'000};
constexpr std::chrono::seconds kLateLook{30};
constexpr int kExpandRounds = 20;  // 10,000 events per pass; the next pass takes the rest

std::string describe(const Message& m) {
  if (m.count == 1 && !m.events.empty()) {
    const auto& e = m.events.front();
    return fmt::format("{} of pipeline {} window {} run {}", to_string(e.kind), m.pipeline,
                       e.window_start ? format_utc(*e.window_start) : std::string("-"),
                       e.run_id.empty() ? std::string("-") : e.run_id);
  }
  return fmt::format("digest of {} events of pipeline {}", m.count, m.pipeline);
}

}  // namespace

Sender wire_sender(const Directory& d) {
  return [&d](const Channel& channel, const Message& m) -> SendResult {
    const RenderContext ctx{.zone = d.zone_of(m.pipeline), .public_url = d.public_url()};
    if (channel.email) {
      const auto& smtp = d.settings().smtp;
      if (!smtp)
        return {.verdict = Verdict::give_up,
                .error = "no notifications.smtp in the daemon file: e-mail cannot be sent"};
      return send_email(*smtp, channel.recipients,
                        email_text(m, ctx, smtp->from, channel.recipients));
    }
    const std::string body = channel.webhook.slack ? slack_json(m, ctx) : webhook_json(m, ctx);
    return send_webhook(channel.webhook, m.id, body, m.sent_at);
  };
}

Result<PassReport> run_pass(Outbox& outbox, const Directory& d, const Sender& send,
                            const std::vector<std::pair<std::string, Seconds>>& slas,
                            bool look_for_late) {
  PassReport report;
  constexpr int kBatch = 500;
  for (int i = 0; i < kExpandRounds; ++i) {
    auto n = outbox.expand(d, kBatch);
    if (!n) return fail(n.error());
    report.expanded += *n;
    if (*n < kBatch) break;
  }
  if (look_for_late) {
    auto late = outbox.record_late_windows(d, slas);
    if (!late) return fail(late.error());
    report.late = *late;
    if (*late > 0) {  // written just now: expand them in this pass
      auto n = outbox.expand(d, kBatch);
      if (!n) return fail(n.error());
      report.expanded += *n;
    }
  }
  auto streams = outbox.streams(d);
  if (!streams) return fail(streams.error());
  std::chrono::milliseconds next = kIdleLook;
  const auto log = observe::logger("notify");
  std::optional<Error> first_error;
  int delivered = 0;
  for (const auto& s : *streams) {
    if (s.due_in.count() > 0) {
      next = std::min(next, s.due_in);
      continue;
    }
    Message shown;
    auto r = outbox.deliver(d, s, [&](const Channel& c, const Message& m) {
      shown = m;
      return send(c, m);
    });
    if (!r) {  // a lost race for the stream, or the connection: the other streams go on
      if (!first_error) first_error = r.error();
      next = std::min(next, std::chrono::milliseconds(1000));
      continue;
    }
    ++delivered;
    using What = StreamResult::What;
    switch (r->what) {
      case What::sent:
        ++report.sent;
        log->info("sent {} to {}", describe(shown), s.channel);
        break;
      case What::retried:
        ++report.retried;
        log->warn("could not send {} to {} (tried again later): {}", describe(shown), s.channel,
                  r->error);
        next = std::min(next,
                        std::chrono::milliseconds(std::chrono::seconds(d.settings().retry_delay)));
        break;
      case What::given_up:
        ++report.given_up;
        log->error("gave up sending {} to {}: {}", describe(shown), s.channel, r->error);
        break;
      case What::waiting:
        if (r->wait) next = std::min(next, *r->wait);
        break;
      case What::busy:  // another daemon sends it; look again soon in case it dies
        next = std::min(next, std::chrono::milliseconds(1000));
        break;
      case What::nothing: break;
    }
  }
  if (first_error && delivered == 0) return fail(std::move(*first_error));
  report.next = std::max(next, std::chrono::milliseconds(10));
  return report;
}

Notifier::Notifier(std::string database_url, std::string host)
    : url_(std::move(database_url)), host_(std::move(host)) {}

Notifier::~Notifier() {
  stop();
}

void Notifier::update(std::shared_ptr<const Directory> directory,
                      std::vector<std::pair<std::string, Seconds>> slas) {
  std::lock_guard lock(mutex_);
  directory_ = std::move(directory);
  slas_ = std::move(slas);
  woken_ = true;
  changed_.notify_all();
}

void Notifier::start() {
  if (!thread_.joinable()) thread_ = std::thread([this] { loop(); });
}

void Notifier::wake() {
  std::lock_guard lock(mutex_);
  woken_ = true;
  changed_.notify_all();
}

void Notifier::send_direct(Event e) {
  std::lock_guard lock(mutex_);
  direct_.push_back(std::move(e));
  changed_.notify_all();
}

void Notifier::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    changed_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void Notifier::send_queued(std::deque<Event>& direct, const Directory& d) {
  const auto log = observe::logger("notify");
  const auto send = wire_sender(d);
  for (auto& e : direct) {
    for (const auto& c : d.daemon_channels()) {
      if (!c.kinds.has(e.kind)) continue;
      const auto m = direct_message(e, c.id, host_);
      const auto r = send(c, m);
      if (r.verdict == Verdict::delivered)
        log->info("sent {} to {}", to_string(e.kind), c.id);
      else
        log->error("could not send {} to {}: {}", to_string(e.kind), c.id, r.error);
    }
  }
  direct.clear();
}

void Notifier::loop() {
  const auto log = observe::logger("notify");
  std::unique_ptr<store::Connection> connection;
  std::chrono::milliseconds next{0};
  auto last_late = std::chrono::steady_clock::now() - kLateLook;
  std::string last_error;
  for (;;) {
    std::shared_ptr<const Directory> d;
    std::vector<std::pair<std::string, Seconds>> slas;
    std::deque<Event> direct;
    {
      std::unique_lock lock(mutex_);
      changed_.wait_for(lock, next, [&] { return woken_ || stopping_ || !direct_.empty(); });
      if (stopping_) return;
      woken_ = false;
      direct.swap(direct_);
      d = directory_;
      slas = slas_;
    }
    if (!d) {
      next = kIdleLook;
      continue;
    }
    if (!direct.empty()) send_queued(direct, *d);
    if (!connection) {
      auto opened = store::connect(url_, {"sluiced notifications", 5});
      if (!opened) {
        next = kAfterError;
        continue;  // the daemon reports the database gone; nothing to add here
      }
      connection = std::move(*opened);
    }
    Outbox outbox(*connection, host_);
    const auto now = std::chrono::steady_clock::now();
    const bool late = now - last_late >= kLateLook;
    auto pass = run_pass(outbox, *d, wire_sender(*d), slas, late);
    if (!pass) {
      if (pass.error().message != last_error)
        log->warn("notifications: {} (trying again in {} s)", pass.error().message,
                  kAfterError.count() / 1000);
      last_error = pass.error().message;
      if (!connection->is_open()) connection.reset();
      next = kAfterError;
      continue;
    }
    last_error.clear();
    if (late) last_late = now;
    next = pass->next;
  }
}

}  // namespace sluice::notify
