// Cron ticks: one timer and a min-heap of every active pipeline's next fire instead of a
// timer per pipeline, and one control duty for all the pipelines that fired, however many.
// Cron decides when to look; what is due is the window generator's call (tasks::generate_all).
#include <algorithm>
#include <unordered_set>

#include "daemon/sluiced/daemon.hpp"

namespace sluice::daemon {
namespace {

// The timer never waits longer than this: a step of the wall clock (NTP) is noticed within a
// minute, since the wait is measured on the steady clock.
constexpr std::chrono::seconds kCronRecheck{60};
// Fires a little after the instant, so the wall clock has certainly reached it.
constexpr std::chrono::milliseconds kCronSlack{50};

}  // namespace

// At start and after each reload: the active pipelines of the state now loaded. A pipeline
// already in the due set stays there; the duty drops it if it was removed or paused.
void Daemon::arm_crons() {
  cron_state_ = state();
  cron_fires_ = {};
  std::unordered_set<std::string_view> active;
  for (const auto& runtime : cron_state_->active) active.insert(runtime->id.value);
  const Instant now = std::chrono::floor<Seconds>(std::chrono::system_clock::now());
  std::vector<CronFire> fires;
  fires.reserve(active.size());
  for (const auto& p : cron_state_->config.pipelines)
    if (active.contains(p.id.value))
      if (const auto next = p.cron.next_fire(now, p.zone)) fires.push_back({*next, &p});
  cron_fires_ = decltype(cron_fires_)(std::greater<>(), std::move(fires));
  arm_cron_timer();
}

void Daemon::arm_cron_timer() {
  if (cron_fires_.empty()) {
    cron_timer_.cancel();
    return;
  }
  const auto wait = cron_fires_.top().at - std::chrono::system_clock::now();
  cron_timer_.expires_after(
      std::clamp<Clock::duration>(std::chrono::duration_cast<Clock::duration>(wait) + kCronSlack,
                                  Clock::duration::zero(), kCronRecheck));
  cron_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec && !draining_) fire_crons();
  });
}

// Every pipeline whose instant came is due; each gets its next instant after this second.
void Daemon::fire_crons() {
  const auto now = std::chrono::system_clock::now();
  const Instant second = std::chrono::floor<Seconds>(now);
  std::vector<std::string> fired;
  while (!cron_fires_.empty() && cron_fires_.top().at <= now) {
    const auto fire = cron_fires_.top();
    cron_fires_.pop();
    fired.push_back(fire.pipeline->id.value);
    if (const auto next = fire.pipeline->cron.next_fire(second, fire.pipeline->zone))
      cron_fires_.push({*next, fire.pipeline});
  }
  if (!fired.empty()) add_due(fired);
  arm_cron_timer();
}

// Posted once for however many pipelines: queued already, that run takes these too; running,
// it runs once more after.
void Daemon::add_due(const std::vector<std::string>& pipelines) {
  {
    std::lock_guard lock(duties_mutex_);
    due_.insert(pipelines.begin(), pipelines.end());
  }
  control("cron tick", [this](auto& c) { return cron_tick(c); });
}

Result<void> Daemon::cron_tick(store::Connection& c) {
  std::set<std::string> due;
  {
    std::lock_guard lock(duties_mutex_);
    due.swap(due_);
  }
  Runtimes which;
  for (const auto& runtime : state()->active)
    if (due.contains(runtime->id.value)) which.push_back(runtime);
  return generate(c, which);
}

}  // namespace sluice::daemon
