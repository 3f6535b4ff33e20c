#include "framework/notify/event.hpp"

#include <array>
#include <utility>

namespace sluice::notify {
namespace {

struct KindName {
  EventKind kind;
  std::string_view name;
  std::string_view headline;
};

constexpr std::array kKinds{
    KindName{EventKind::window_failed, "window_failed", "window failed"},
    KindName{EventKind::window_retry, "window_retry", "window retried"},
    KindName{EventKind::window_succeeded, "window_succeeded", "window succeeded"},
    KindName{EventKind::audit_mismatch, "audit_mismatch", "audit mismatch"},
    KindName{EventKind::sla_missed, "sla_missed", "SLA missed"},
    KindName{EventKind::stale_lock_freed, "stale_lock_freed", "stale lock freed"},
    KindName{EventKind::backfill_done, "backfill_done", "backfill done"},
    KindName{EventKind::backfill_failed, "backfill_failed", "backfill failed"},
    KindName{EventKind::config_error, "config_error", "config error: pipeline quarantined"},
    KindName{EventKind::database_down, "database_down", "database unreachable"},
    KindName{EventKind::database_back, "database_back", "database reachable again"},
    KindName{EventKind::test, "test", "test message"},
    KindName{EventKind::check_failed, "check_failed", "data check failed"},
    KindName{EventKind::check_warning, "check_warning", "data check warning"},
};

}  // namespace

std::string_view to_string(EventKind k) {
  return kKinds[static_cast<std::size_t>(k)].name;
}

std::string_view headline(EventKind k) {
  return kKinds[static_cast<std::size_t>(k)].headline;
}

std::optional<EventKind> parse_event_kind(std::string_view text) {
  for (const auto& k : kKinds)
    if (k.name == text) return k.kind;
  return std::nullopt;
}

std::vector<std::string> KindSet::names() const {
  std::vector<std::string> out;
  for (const auto& k : kKinds)
    if (has(k.kind)) out.emplace_back(k.name);
  return out;
}

KindSet kinds_of_choices(const std::vector<std::string>& choices) {
  KindSet s;
  for (const auto& c : choices) {
    if (c == "failure") {
      s.add(EventKind::window_failed);
      s.add(EventKind::audit_mismatch);
      s.add(EventKind::check_failed);
    } else if (c == "retry") {
      s.add(EventKind::window_retry);
    } else if (c == "success") {
      s.add(EventKind::window_succeeded);
    } else if (const auto k = parse_event_kind(c)) {
      s.add(*k);
    }
  }
  return s;
}

}  // namespace sluice::notify
