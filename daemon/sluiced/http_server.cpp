#include "daemon/sluiced/http_server.hpp"

#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "daemon/api/console.hpp"
#include "framework/core/open_files.hpp"
#include "framework/observe/log.hpp"

namespace sluice::daemon {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

struct HttpServer::Shared {
  config::HttpConfig settings;
  std::shared_ptr<api::Services> services;
  AnswerHook on_answer;
  std::unique_ptr<net::thread_pool> pool;
  std::unique_ptr<ssl::context> tls;
  std::atomic<int> open{0};
  std::atomic<int> queued{0};
  std::mutex sessions_mutex;  // sessions may end on a pool thread
  std::map<std::uint64_t, std::function<void()>> closers;
  // The event streams, by session id: each takes a message to send (on the loop).
  std::map<std::uint64_t, std::function<void(std::shared_ptr<const std::string>)>> streams;
  std::uint64_t next_id = 0;
};

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kFirstRead = 4096;

std::string address_of(const tcp::endpoint& e) {
  const auto a = e.address();
  return a.is_v6() ? fmt::format("[{}]:{}", a.to_string(), e.port())
                   : fmt::format("{}:{}", a.to_string(), e.port());
}

beast::tcp_stream& tcp_of(beast::tcp_stream& s) {
  return s;
}
beast::tcp_stream& tcp_of(beast::ssl_stream<beast::tcp_stream>& s) {
  return s.next_layer();
}

template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Stream stream, std::shared_ptr<HttpServer::Shared> shared, std::string client)
      : stream_(std::move(stream)), shared_(std::move(shared)), client_(std::move(client)) {}

  ~Session() {
    --shared_->open;
    std::lock_guard lock(shared_->sessions_mutex);
    shared_->closers.erase(id_);
    shared_->streams.erase(id_);
  }

  void start(std::uint64_t id) {
    id_ = id;
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      read();
    } else {
      tcp_of(stream_).expires_after(shared_->settings.read_timeout);
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return self->close();
                                self->read();
                              });
    }
  }

  void close() {
    beast::error_code ignored;
    tcp_of(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcp_of(stream_).close();
  }

 private:
  const config::HttpConfig& settings() const { return shared_->settings; }

  void read() {
    parser_.emplace();
    parser_->body_limit(static_cast<std::uint64_t>(settings().max_body_bytes));
    parser_->header_limit(static_cast<std::uint32_t>(settings().max_header_bytes));
    deadline_.reset();
    if (buffer_.size() > 0) return read_request();  // the next request came with the last
    // Idle until the first bytes arrive (any bytes: a parser would wait for a whole header).
    tcp_of(stream_).expires_after(settings().idle_timeout);
    stream_.async_read_some(buffer_.prepare(kFirstRead),
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                              if (ec) return self->refused(ec);
                              self->buffer_.commit(n);
                              self->read_request();
                            });
  }

  // From a request's first byte, read_timeout for the whole of it.
  void read_request() {
    deadline_ = Clock::now() + settings().read_timeout;
    tcp_of(stream_).expires_at(*deadline_);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return self->refused(ec);
                       self->on_request();
                     });
  }

  // What could not be read: answered when the client may still listen, then closed.
  void refused(beast::error_code ec) {
    keep_alive_ = false;
    if (ec == http::error::body_limit)
      return write(problem(413, fmt::format("the body is over http.max_body_bytes ({} bytes)",
                                            settings().max_body_bytes)),
                   "unread", Clock::now());
    if (ec == http::error::header_limit)
      return write(problem(431, fmt::format("the request line and headers are over "
                                            "http.max_header_bytes ({} bytes)",
                                            settings().max_header_bytes)),
                   "unread", Clock::now());
    if (ec.category() == http::make_error_code(http::error::bad_method).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message)
      return write(problem(400, "malformed HTTP request: " + ec.message()), "unread", Clock::now());
    if (ec == beast::error::timeout && deadline_)
      observe::logger("http")->info("{}: cut off, the request took over http.read_timeout",
                                    client_);
    close();
  }

  static api::Response problem(int status, std::string detail) {
    return api::problem_response({.status = status, .detail = std::move(detail)}, "");
  }

  void on_request() {
    auto& req = parser_->get();
    api::Request request{.method = std::string(req.method_string()),
                         .target = std::string(req.target()),
                         .authorization = std::string(req[http::field::authorization]),
                         .content_type = std::string(req[http::field::content_type]),
                         .body = std::move(req.body()),
                         .client = client_,
                         .cookie = std::string(req[http::field::cookie]),
                         .csrf_token = std::string(req["X-CSRF-Token"]),
                         .if_none_match = std::string(req[http::field::if_none_match]),
                         .if_match = std::string(req[http::field::if_match]),
                         .accept_encoding = std::string(req[http::field::accept_encoding]),
                         .tls = !std::is_same_v<Stream, beast::tcp_stream>};
    keep_alive_ = req.keep_alive();
    const auto started = Clock::now();
    const std::string_view target = request.target;
    const auto path = target.substr(0, target.find('?'));
    if (path == "/healthz") {
      auto response = api::handle(request, *shared_->services);
      return write(std::move(response), "/healthz", started);
    }
    if (api::is_console_path(path))
      return write(api::console_response(request), "console", started);
    if (shared_->queued.fetch_add(1) >= settings().max_queued) {
      --shared_->queued;
      auto busy = problem(503, "busy: http.max_queued requests are waiting; try again");
      busy.headers.emplace_back("Retry-After", "1");
      return write(std::move(busy), "busy", started);
    }
    net::post(*shared_->pool,
              [self = this->shared_from_this(), request = std::move(request), started]() mutable {
                auto response = api::handle(request, *self->shared_->services);
                auto executor = tcp_of(self->stream_).get_executor();
                net::post(executor, [self, response = std::move(response), started]() mutable {
                  --self->shared_->queued;
                  auto route = response.route;
                  self->write(std::move(response), route, started);
                });
              });
  }

  void write(api::Response r, const std::string& route, Clock::time_point started) {
    if (shared_->on_answer)
      shared_->on_answer(route.empty() ? "unmatched" : route, r.status,
                         std::chrono::duration<double>(Clock::now() - started).count());
    if (r.status == 200 && r.content_type == "text/event-stream") return stream(r);
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(r.status), 11);
    res->set(http::field::content_type, r.content_type);
    res->set(http::field::cache_control, "no-store");
    for (const auto& [name, value] : r.headers) res->set(name, value);
    res->keep_alive(keep_alive_);
    res->body() = std::move(r.body);
    res->prepare_payload();
    tcp_of(stream_).expires_after(settings().idle_timeout);
    http::async_write(stream_, *res,
                      [self = this->shared_from_this(), res](beast::error_code ec, std::size_t) {
                        if (ec || !self->keep_alive_) return self->close();
                        self->read();
                      });
  }

  // The rest of the connection is an event stream: a header without a length (the body ends
  // with the connection), the route's first lines, then whatever publish() sends.
  void stream(const api::Response& r) {
    auto head = std::make_shared<std::string>(
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\n"
        "X-Accel-Buffering: no\r\nConnection: close\r\n");
    for (const auto& [name, value] : r.headers)
      head->append(name).append(": ").append(value) += "\r\n";
    head->append("\r\n").append(r.body);
    {
      std::lock_guard lock(shared_->sessions_mutex);
      shared_->streams.emplace(id_, [weak = this->weak_from_this()](auto message) {
        if (auto self = weak.lock()) self->send(std::move(message));
      });
    }
    send(std::move(head));
    // Reading only notices the client going away; anything it sends ends the stream.
    tcp_of(stream_).socket().async_wait(
        tcp::socket::wait_read,
        [self = this->shared_from_this()](beast::error_code) { self->close(); });
  }

  // A stream's messages go out in order; a client that falls this far behind is dropped (its
  // page reconnects and reads everything again).
  static constexpr std::size_t kMaxBacklog = 256;
  void send(std::shared_ptr<const std::string> message) {
    if (outbox_.size() >= kMaxBacklog) return close();
    outbox_.push_back(std::move(message));
    if (outbox_.size() == 1) send_next();
  }
  void send_next() {
    tcp_of(stream_).expires_after(settings().idle_timeout);
    net::async_write(stream_, net::buffer(*outbox_.front()),
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return self->close();
                       self->outbox_.pop_front();
                       if (!self->outbox_.empty()) self->send_next();
                     });
  }

  Stream stream_;
  std::shared_ptr<HttpServer::Shared> shared_;
  std::string client_;
  std::uint64_t id_ = 0;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<Clock::time_point> deadline_;
  bool keep_alive_ = false;
  std::deque<std::shared_ptr<const std::string>> outbox_;
};

std::pair<std::string, unsigned short> split_listen(const std::string& listen) {
  const auto colon = listen.rfind(':');
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  return {host, static_cast<unsigned short>(std::stoi(listen.substr(colon + 1)))};
}

}  // namespace

HttpServer::HttpServer(net::io_context& io, std::shared_ptr<api::Services> services,
                       AnswerHook on_answer)
    : io_(io), shared_(std::make_shared<Shared>()) {
  shared_->services = std::move(services);
  shared_->on_answer = std::move(on_answer);
}

HttpServer::~HttpServer() {
  stop();
  if (shared_->pool) shared_->pool->join();
}

void HttpServer::start(const config::HttpConfig& settings) {
  shared_->settings = settings;
  if (!settings.tls_cert.empty()) {
    auto tls = std::make_unique<ssl::context>(ssl::context::tls_server);
    tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    boost::system::error_code ec;
    tls->use_certificate_chain_file(settings.tls_cert.string(), ec);
    if (ec)
      throw std::runtime_error("http.tls.cert: " + settings.tls_cert.string() + ": " +
                               ec.message());
    tls->use_private_key_file(settings.tls_key.string(), ssl::context::pem, ec);
    if (ec)
      throw std::runtime_error("http.tls.key: " + settings.tls_key.string() + ": " + ec.message());
    shared_->tls = std::move(tls);
  }
  // Enough descriptors for http.max_connections besides the database connections and files.
  raise_open_files(static_cast<std::uint64_t>(settings.max_connections) + 512);
  shared_->pool = std::make_unique<net::thread_pool>(settings.database_connections);
  const auto [host, port] = split_listen(settings.listen);
  boost::system::error_code ec;
  const auto address = net::ip::make_address(host, ec);
  if (ec) throw std::runtime_error("http.listen: '" + host + "' is not an IP address");
  const tcp::endpoint endpoint(address, port);
  acceptor_ = std::make_unique<tcp::acceptor>(io_);
  acceptor_->open(endpoint.protocol(), ec);
  if (!ec) acceptor_->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_->bind(endpoint, ec);
  if (!ec) acceptor_->listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    throw std::runtime_error("http.listen: cannot listen on " + settings.listen + ": " +
                             ec.message());
  observe::logger("http")->info("serving {} on {}", shared_->tls ? "HTTPS" : "HTTP",
                                address_of(acceptor_->local_endpoint()));
  accept();
  ping_timer_ = std::make_unique<net::steady_timer>(io_);
  ping();
}

// Proxies and browsers drop a connection that says nothing for long; a comment is ignored.
void HttpServer::ping() {
  ping_timer_->expires_after(std::chrono::seconds(15));
  ping_timer_->async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    publish_raw(std::make_shared<const std::string>(": ping\n\n"));
    ping();
  });
}

void HttpServer::publish(std::string_view event, std::string_view data) {
  // One line of data: a payload is JSON from our own triggers, but a newline would end it.
  std::string message = fmt::format("event: {}\ndata: ", event);
  for (char c : data) message += (c == '\n' || c == '\r') ? ' ' : c;
  message += "\n\n";
  publish_raw(std::make_shared<const std::string>(std::move(message)));
}

void HttpServer::publish_raw(const std::shared_ptr<const std::string>& message) {
  std::vector<std::function<void(std::shared_ptr<const std::string>)>> targets;
  {
    std::lock_guard lock(shared_->sessions_mutex);
    for (const auto& [id, push] : shared_->streams) targets.push_back(push);
  }
  for (auto& push : targets) push(message);
}

unsigned short HttpServer::port() const {
  return acceptor_ ? acceptor_->local_endpoint().port() : 0;
}

void HttpServer::accept() {
  acceptor_->async_accept(io_, [this](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_ || !acceptor_->is_open()) return;
    if (!ec) {
      if (shared_->open.load() >= shared_->settings.max_connections) {
        beast::error_code ignored;
        socket.close(ignored);
      } else {
        std::string client = address_of(socket.remote_endpoint(ec));
        if (!ec) {
          ++shared_->open;
          beast::tcp_stream stream(std::move(socket));
          const auto launch = [&](auto session) {
            std::uint64_t id = 0;
            {
              std::lock_guard lock(shared_->sessions_mutex);
              id = ++shared_->next_id;
              shared_->closers.emplace(id, [weak = std::weak_ptr(session)] {
                if (auto s = weak.lock()) s->close();
              });
            }
            session->start(id);
          };
          if (shared_->tls) {
            launch(std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
                beast::ssl_stream<beast::tcp_stream>(std::move(stream), *shared_->tls), shared_,
                std::move(client)));
          } else {
            launch(std::make_shared<Session<beast::tcp_stream>>(std::move(stream), shared_,
                                                                std::move(client)));
          }
        }
      }
    }
    accept();
  });
}

void HttpServer::stop() {
  if (ping_timer_) {
    try {
      ping_timer_->cancel();
    } catch (const boost::system::system_error&) {
      // Nothing was waiting on it: nothing to cancel.
    }
  }
  if (acceptor_) {
    beast::error_code ignored;
    acceptor_->close(ignored);
  }
  std::map<std::uint64_t, std::function<void()>> closers;
  {
    std::lock_guard lock(shared_->sessions_mutex);
    closers = shared_->closers;
  }
  for (auto& [id, close] : closers) close();
}

}  // namespace sluice::daemon
