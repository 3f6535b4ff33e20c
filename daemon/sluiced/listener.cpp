#include "daemon/sluiced/listener.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <boost/asio/post.hpp>

#include "framework/store/notifications.hpp"

namespace sluice::daemon {

struct Listener::Session {
  std::unique_ptr<store::Notifications> notifications;
};

Listener::Listener(boost::asio::io_context& io, boost::asio::thread_pool& control, std::string url,
                   ListenerEvents events)
    : io_(io), control_(control), url_(std::move(url)), events_(std::move(events)), socket_(io) {}

Listener::~Listener() {
  boost::system::error_code ignored;
  socket_.close(ignored);
}

void Listener::start() {
  if (session_ || connecting_ || stopped_) return;
  connecting_ = true;
  boost::asio::post(control_, [this] {
    auto session = std::make_shared<Session>();
    std::string error;
    // The handlers run inside read(), on the event loop thread.
    store::NotificationHandlers handlers{[this] { events_.records(); },
                                         [this] { events_.backfill(); }};
    if (events_.changes)
      handlers.changes = [this](const std::string& payload) { events_.changes(payload); };
    if (events_.outbox) handlers.outbox = [this] { events_.outbox(); };
    if (events_.catalog) handlers.catalog = [this] { events_.catalog(); };
    auto opened = store::Notifications::open(url_, std::move(handlers));
    if (opened)
      session->notifications = std::move(*opened);
    else
      error = opened.error().message;
    boost::asio::post(io_, [this, session = std::move(session), error]() mutable {
      connecting_ = false;
      if (!error.empty() || stopped_) {
        // Closing may be a network call (UNLISTEN): off the loop, by the lambda's own reference.
        boost::asio::post(control_, [doomed = std::move(session)]() mutable { doomed.reset(); });
        if (!stopped_) events_.state(false, error);
        return;
      }
      session_ = std::make_unique<Session>();
      session_->notifications = std::move(session->notifications);
      // The loop watches a duplicate of libpq's socket: libpq closes its own descriptor when
      // the connection breaks, and another thread may get that number at once; the duplicate
      // stays ours until we close it, so the event loop never touches someone else's socket.
      const int watched = ::dup(session_->notifications->socket());
      boost::system::error_code ec;
      if (watched >= 0) socket_.assign(watched, ec);
      if (watched < 0 || ec) {
        if (watched >= 0) ::close(watched);
        return lost(watched < 0 ? std::string("dup: ") + std::strerror(errno) : ec.message());
      }
      events_.state(true, "");
      watch();
    });
  });
}

void Listener::watch() {
  socket_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                     [this](const boost::system::error_code& ec) {
                       if (ec || !session_) return;
                       auto read = session_->notifications->read();
                       if (read) return watch();
                       lost(read.error().message);
                     });
}

void Listener::lost(const std::string& why) {
  boost::system::error_code ignored;
  socket_.close(ignored);
  boost::asio::post(control_, [doomed = std::shared_ptr<Session>(std::move(session_))]() mutable {
    doomed.reset();
  });
  if (!stopped_) events_.state(false, why);  // redacted by the store
}

void Listener::stop() {
  stopped_ = true;
  boost::system::error_code ignored;
  socket_.close(ignored);  // cancels the wait
  if (session_)
    boost::asio::post(control_, [doomed = std::shared_ptr<Session>(std::move(session_))]() mutable {
      doomed.reset();
    });
}

}  // namespace sluice::daemon
