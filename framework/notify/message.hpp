#pragma once
// What is sent: one event, or a digest of the events one stream (pipeline and channel)
// gathered during the digest interval. Rendering is pure: the caller passes the zone, the
// console's address and the time, so the tests compare text.
//
// The webhook body (format json), documented in the README:
//   {"type": "sluice.notification", "version": 1, "id": MESSAGE_ID, "pipeline": P,
//    "channel": C, "digest": BOOL, "count": N, "listed": M, "text": SUMMARY, "sent_at": T,
//    "events": [{"id", "event", "pipeline", "window": {"start", "end", "zone"} | null,
//                "run_id", "record_id", "backfill_id", "message", "at", "link"}, ...]}
// `count` is how many events the message covers; the first `listed` of them are in
// `events` (a digest lists at most kMaxListed).
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "framework/notify/event.hpp"
#include "framework/time/zone.hpp"

namespace sluice::notify {

inline constexpr std::size_t kMaxListed = 50;

struct Message {
  std::string id{};  // stable across attempts: receivers may drop a repeat by it
  std::string pipeline{};
  std::string channel{};
  std::vector<Event> events{};  // the first kMaxListed, oldest first
  std::int64_t count = 0;       // events covered, listed or not
  std::map<EventKind, std::int64_t> by_kind{};
  Instant sent_at{};
  std::string host{};  // the daemon that sends it
};

// A message of one event sent at once, outside the outbox (database down, a test): its id is
// the kind and the event's time.
Message direct_message(const Event& e, std::string channel, std::string host);

struct RenderContext {
  time::Zone zone = nullptr;  // the pipeline's
  std::string public_url{};   // without a trailing '/'; empty: no links
};

std::string link_of(const Event& e, const RenderContext& ctx);
// `[sluice] orders: window failed 2024-03-10 01:00 -08:00`, or for a digest
// `[sluice] orders: 37 events (window failed 30, window retried 7)`.
std::string subject(const Message& m, const RenderContext& ctx);
// Plain text: the subject's facts, then one paragraph per listed event.
std::string text_body(const Message& m, const RenderContext& ctx);
std::string webhook_json(const Message& m, const RenderContext& ctx);
std::string slack_json(const Message& m, const RenderContext& ctx);
// The e-mail as sent (RFC 5322 headers, CRLF line ends, UTF-8 text body).
std::string email_text(const Message& m, const RenderContext& ctx, const std::string& from,
                       const std::vector<std::string>& to);

}  // namespace sluice::notify
