#pragma once
// sluiced's HTTP server: Boost.Beast on the daemon's io_context. The loop accepts, reads,
// parses and writes; it answers /healthz itself (an answer means the loop turns) and hands
// every other request to a pool of `http.database_connections` threads of its own, each with
// its own database connection, so API load never delays claims, heartbeats or the watchdog.
//
// Limits (http.*): body and header sizes (413, 431), a read timeout from a request's first
// byte (a client trickling bytes is cut off), an idle timeout between kept-alive requests,
// open connections, and requests waiting for the pool (503). TLS when http.tls is set.
//
// The web console's files are answered by the loop too (no database). A route answered with
// `text/event-stream` (GET /api/v1/events) turns its connection into an event stream: the
// server keeps it and writes what publish() gives, and a comment every 15 s.
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include "daemon/api/api.hpp"
#include "framework/config/model.hpp"

namespace boost::asio::ssl {
class context;
}

namespace sluice::daemon {

// Seen by the metrics: one call per answered request, on the loop.
using AnswerHook = std::function<void(const std::string& route, int status, double seconds)>;

class HttpServer {
 public:
  // `services` are shared by the pool's threads (each keeps its own connection inside).
  HttpServer(boost::asio::io_context& io, std::shared_ptr<api::Services> services,
             AnswerHook on_answer = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens; throws std::runtime_error naming the address (a process-start error).
  void start(const config::HttpConfig& settings);
  // Closes the listener and every connection; requests in the pool are answered to nobody.
  void stop();
  // The bound port (the chosen one when http.listen asked for port 0).
  unsigned short port() const;
  // Sends `event` with `data` (one line of JSON) to every open event stream; on the loop.
  void publish(std::string_view event, std::string_view data);

  struct Shared;  // what sessions share with the server; internal

 private:
  void accept();
  void ping();
  void publish_raw(const std::shared_ptr<const std::string>& message);

  boost::asio::io_context& io_;
  std::unique_ptr<boost::asio::steady_timer> ping_timer_;
  std::shared_ptr<Shared> shared_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
};

}  // namespace sluice::daemon
