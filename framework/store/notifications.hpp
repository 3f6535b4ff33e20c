#pragma once
// The database's wake-up calls: LISTEN, on a connection of its own, on the channels the
// migrations' triggers NOTIFY: `sluice_records` (a record became PENDING),
// `sluice_backfill` (a backfill request was filed or changed), `sluice_changes` (what the
// web console shows changed: its payload is a small JSON object, see migration 0009) and
// `sluice_notifications` (the outbox has something to send, migration 0010) and
// `sluice_catalog` (a pipeline of the catalog changed, migration 0013). The
// daemon watches socket() on its event loop and calls read() when it is readable.
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "framework/core/error.hpp"

namespace sluice::store {

struct NotificationHandlers {
  std::function<void()> records;
  std::function<void()> backfill;
  std::function<void(const std::string& payload)> changes{};  // none: not listened to
  std::function<void()> outbox{};   // sluice_notifications: new notifications to send
  std::function<void()> catalog{};  // sluice_catalog: a catalog pipeline changed (0013)
};

class Notifications {
 public:
  // Connects and LISTENs on both channels (network calls: not on an event loop).
  static Result<std::unique_ptr<Notifications>> open(std::string_view url,
                                                     NotificationHandlers handlers);
  // Stops listening and closes the connection (UNLISTEN may wait on the network).
  ~Notifications();
  Notifications(const Notifications&) = delete;
  Notifications& operator=(const Notifications&) = delete;

  // The connection's socket, to wait on for readability.
  int socket() const;
  // Calls the handler of each notification that has arrived, without blocking; an Error
  // (secrets redacted) when the connection is gone.
  Result<void> read();

 private:
  struct State;
  explicit Notifications(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace sluice::store
