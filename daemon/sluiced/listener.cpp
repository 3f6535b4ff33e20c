#include "daemon/sluiced/listener.hpp"

#include <boost/asio/post.hpp>
#include <pqxx/notification>

#include "framework/store/database.hpp"
#include "framework/store/errors.hpp"

namespace sluice::daemon {
namespace {

class Receiver : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection_base& c, const std::string& channel, std::function<void()> on)
      : pqxx::notification_receiver(c, channel), on_(std::move(on)) {}
  void operator()(const std::string&, int) override { on_(); }

 private:
  std::function<void()> on_;
};

}  // namespace

// Receivers unregister from their connection when destroyed, so they go first.
struct Listener::Session {
  std::unique_ptr<store::Connection> connection;
  std::unique_ptr<Receiver> records, backfill;
  ~Session() {
    records.reset();
    backfill.reset();
  }
};

Listener::Listener(boost::asio::io_context& io, boost::asio::thread_pool& control, std::string url,
                   ListenerEvents events)
    : io_(io), control_(control), url_(std::move(url)), events_(std::move(events)), socket_(io) {}

Listener::~Listener() {
  if (socket_.is_open()) socket_.release();
}

void Listener::start() {
  if (session_ || connecting_ || stopped_) return;
  connecting_ = true;
  boost::asio::post(control_, [this] {
    auto session = std::make_shared<Session>();
    std::string error;
    auto opened = store::connect(url_, {"sluice-listen", 5});
    if (!opened) {
      error = opened.error().message;
    } else {
      session->connection = std::move(*opened);
      auto listened = store::attempt("LISTEN", [&] {
        // The callbacks run inside get_notifs(), on the event loop thread.
        session->records = std::make_unique<Receiver>(*session->connection, "sluice_records",
                                                      [this] { events_.records(); });
        session->backfill = std::make_unique<Receiver>(*session->connection, "sluice_backfill",
                                                       [this] { events_.backfill(); });
      });
      if (!listened) error = listened.error().message;
    }
    boost::asio::post(io_, [this, session = std::move(session), error]() mutable {
      connecting_ = false;
      if (!error.empty() || stopped_) {
        // Closing may be a network call (UNLISTEN): off the loop, by the lambda's own reference.
        boost::asio::post(control_, [doomed = std::move(session)]() mutable { doomed.reset(); });
        if (!stopped_) events_.state(false, error);
        return;
      }
      session_ = std::make_unique<Session>();
      session_->connection = std::move(session->connection);
      session_->records = std::move(session->records);
      session_->backfill = std::move(session->backfill);
      socket_.assign(session_->connection->sock());
      events_.state(true, "");
      watch();
    });
  });
}

void Listener::watch() {
  socket_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                     [this](const boost::system::error_code& ec) {
                       if (ec || !session_) return;
                       std::string why;
                       try {
                         session_->connection->get_notifs();
                         if (!session_->connection->is_open()) why = "connection closed";
                       } catch (const std::exception& e) {
                         why = e.what();
                       }
                       if (why.empty()) return watch();
                       lost(why);
                     });
}

void Listener::lost(const std::string& why) {
  if (socket_.is_open()) socket_.release();
  boost::asio::post(control_, [doomed = std::shared_ptr<Session>(std::move(session_))]() mutable {
    doomed.reset();
  });
  if (!stopped_) events_.state(false, store::redact_secrets(why));
}

void Listener::stop() {
  stopped_ = true;
  if (socket_.is_open()) {
    socket_.cancel();
    socket_.release();
  }
  if (session_)
    boost::asio::post(control_, [doomed = std::shared_ptr<Session>(std::move(session_))]() mutable {
      doomed.reset();
    });
}

}  // namespace sluice::daemon
