#pragma once
// LISTEN sluice_records / sluice_backfill on a connection of its own, watched by the event
// loop through its socket: a notification wakes the daemon at once. Opening the connection
// and LISTEN run on the control pool; the loop only reads what already arrived (a
// non-blocking PQconsumeInput). When the connection dies the owner is told once, polls
// meanwhile, and calls start() again later.
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/thread_pool.hpp>

namespace sluice::daemon {

struct ListenerEvents {
  std::function<void()> records;   // PENDING records appeared (any pipeline)
  std::function<void()> backfill;  // a backfill request appeared or changed
  std::function<void(bool up, const std::string& why)> state;  // connected / lost
  // What the console shows changed (the JSON payload of sluice_changes); none: not listened to.
  std::function<void(const std::string& payload)> changes{};
  std::function<void()> outbox{};   // notifications to send appeared
  std::function<void()> catalog{};  // a catalog pipeline changed
};

class Listener {
 public:
  Listener(boost::asio::io_context& io, boost::asio::thread_pool& control, std::string url,
           ListenerEvents events);
  ~Listener();

  void start();  // event loop thread
  void stop();   // event loop thread; the connection is closed on the control pool
  bool up() const { return session_ != nullptr; }

 private:
  struct Session;
  void watch();
  void lost(const std::string& why);

  boost::asio::io_context& io_;
  boost::asio::thread_pool& control_;
  std::string url_;
  ListenerEvents events_;
  std::unique_ptr<Session> session_;
  boost::asio::posix::stream_descriptor socket_;
  bool connecting_ = false;
  bool stopped_ = false;
};

}  // namespace sluice::daemon
