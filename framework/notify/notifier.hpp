#pragma once
// The delivery duty: one thread per daemon, with its own connection. It wakes on NOTIFY
// sluice_notifications (the daemon's listener calls wake()), when a retry or a digest is
// due, and at least every kIdleLook; each pass expands new events into deliveries, looks
// for late windows, and sends what is due on every stream it can lock. Messages that cannot
// wait for the database (it is the database that is gone) are sent directly.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "framework/notify/directory.hpp"
#include "framework/notify/outbox.hpp"

namespace sluice::notify {

// The real wire: webhooks and SMTP (send.hpp), rendered in the pipeline's zone. `d` must
// outlive the sender.
Sender wire_sender(const Directory& d);

struct PassReport {
  std::int64_t expanded = 0, late = 0, sent = 0, retried = 0, given_up = 0;
  std::chrono::milliseconds next{0};  // when the next pass is wanted
};

// One pass on a connection (the thread's loop, and tests).
Result<PassReport> run_pass(Outbox& outbox, const Directory& d, const Sender& send,
                            const std::vector<std::pair<std::string, Seconds>>& slas,
                            bool look_for_late);

class Notifier {
 public:
  Notifier(std::string database_url, std::string host);
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // The channels and lateness limits of the config now loaded.
  void update(std::shared_ptr<const Directory> directory,
              std::vector<std::pair<std::string, Seconds>> slas);
  void start();
  void wake();
  // Sent from this thread to the daemon's own channels that hear `e.kind`, without the
  // database.
  void send_direct(Event e);
  void stop();  // a message on the wire is finished first

 private:
  void loop();
  void send_queued(std::deque<Event>& direct, const Directory& d);

  std::string url_, host_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::shared_ptr<const Directory> directory_;
  std::vector<std::pair<std::string, Seconds>> slas_;
  std::deque<Event> direct_;
  bool woken_ = false, stopping_ = false;
  std::thread thread_;
};

}  // namespace sluice::notify
