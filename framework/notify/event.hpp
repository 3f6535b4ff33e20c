#pragma once
// What a notification is about, and which channels hear of it. The outbox (the
// `notifications` table) names events by kind; a channel subscribes to kinds through its
// `events` list (webhooks) or its switches (e-mail).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "framework/core/instant.hpp"

namespace sluice::notify {

enum class EventKind : std::uint8_t {
  window_failed,
  window_retry,
  window_succeeded,
  audit_mismatch,
  sla_missed,
  stale_lock_freed,
  backfill_done,
  backfill_failed,
  config_error,
  database_down,  // sent directly (no outbox without the database), as is its recovery
  database_back,
  test,  // `sluicectl notifications test`
  // Data checks (`checks:`): a window FAILED by a check of severity error, and a check of
  // severity warn that failed (the window went on).
  check_failed,
  check_warning,
};

std::string_view to_string(EventKind k);
std::optional<EventKind> parse_event_kind(std::string_view text);
// "window failed", "SLA missed": how a message's subject names it.
std::string_view headline(EventKind k);

// A set of kinds (one bit each).
class KindSet {
 public:
  KindSet() = default;
  void add(EventKind k) { bits_ |= bit(k); }
  void add(KindSet o) { bits_ |= o.bits_; }
  bool has(EventKind k) const { return (bits_ & bit(k)) != 0; }
  bool empty() const { return bits_ == 0; }
  std::vector<std::string> names() const;  // as the outbox spells them
  friend bool operator==(KindSet, KindSet) = default;

 private:
  static std::uint32_t bit(EventKind k) { return 1u << static_cast<unsigned>(k); }
  std::uint32_t bits_ = 0;
};

// A webhook's `events` choices: `failure` is a failed window, an audit mismatch or a failed
// check (how that window failed), `retry` and `success` one kind each, the rest are kinds by
// name.
KindSet kinds_of_choices(const std::vector<std::string>& choices);

// One event, as the outbox holds it and a message shows it.
struct Event {
  std::int64_t id = 0;  // notifications.id; 0 for a direct one
  EventKind kind = EventKind::test;
  std::string pipeline{};
  std::optional<std::int64_t> record_id{}, backfill_id{};
  std::optional<Instant> window_start{}, window_end{};
  std::string run_id{};
  std::string message{};  // the error, or what happened
  Instant at{};           // when it happened
};

}  // namespace sluice::notify
