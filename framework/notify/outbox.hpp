#pragma once
// The outbox's queries (sql/migrations/0010_notifications.sql): expanding events into
// deliveries, sending what is due on a stream under its lock, lateness and config errors,
// and the operators' list.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "framework/core/error.hpp"
#include "framework/notify/directory.hpp"
#include "framework/notify/message.hpp"
#include "framework/notify/send.hpp"
#include "framework/store/database.hpp"

namespace sluice::notify {

// One pipeline and channel: its messages go out one at a time, at most one per digest
// interval.
struct Stream {
  std::string pipeline{};
  std::string channel{};
  std::chrono::milliseconds due_in{0};  // until its earliest pending delivery is due (<= 0: now)
};

// Puts a message on the wire (send_webhook / send_email, or a test's recorder).
using Sender = std::function<SendResult(const Channel&, const Message&)>;

struct StreamResult {
  enum class What { sent, retried, given_up, busy, waiting, nothing } what = What::nothing;
  std::int64_t deliveries = 0;                      // how many the message covered
  std::optional<std::chrono::milliseconds> wait{};  // until this stream wants another look
  std::string error{};
};

struct DeliveryRow {
  std::int64_t id = 0;
  std::int64_t notification_id = 0;
  std::string event{}, pipeline{}, channel{}, status{}, message_id{}, last_error{}, run_id{};
  int attempts = 0;
  std::optional<std::int64_t> record_id{};
  std::optional<Instant> window_start{}, next_attempt_at{}, sent_at{};
  Instant created_at{};
};

struct ListFilter {
  std::optional<std::string> status{};  // pending, sent, given_up
  std::optional<std::string> pipeline{};
  int limit = 50;
};

class Outbox {
 public:
  Outbox(store::Connection& c, std::string host) : c_(c), host_(std::move(host)) {}

  // Makes the deliveries of up to `limit` events of pipelines this daemon knows; events no
  // daemon claimed for a day (their pipeline gone everywhere) are closed without any.
  Result<std::int64_t> expand(const Directory& d, int limit = 500);
  // Streams with pending deliveries, the most overdue first.
  Result<std::vector<Stream>> streams(const Directory& d, int limit = 100);
  // Sends what is due on the stream now, when this daemon gets its lock and the digest
  // interval has passed since its last message.
  Result<StreamResult> deliver(const Directory& d, const Stream& s, const Sender& send);
  // Windows of the given pipelines still not SUCCESS or SKIPPED `sla` after their end (a
  // deadline passed in the last day), each written once.
  Result<std::int64_t> record_late_windows(
      const Directory& d, const std::vector<std::pair<std::string, Seconds>>& slas);
  // A pipeline file quarantined: written once per pipeline and `fingerprint` (the error and
  // the file's content), whichever daemons load it.
  Result<bool> record_config_error(const Directory& d, const std::string& pipeline,
                                   const std::string& message, const std::string& fingerprint);
  Result<std::vector<DeliveryRow>> list(const ListFilter& f);

 private:
  store::Connection& c_;
  std::string host_;
};

}  // namespace sluice::notify
