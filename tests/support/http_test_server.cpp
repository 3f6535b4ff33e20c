#include "tests/support/http_test_server.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace sluice::test {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

struct HttpTestServer::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io};
};

std::string url_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string HttpRequest::param(const std::string& name, std::string fallback) const {
  auto it = query.find(name);
  return it == query.end() ? fallback : it->second;
}

std::string HttpRequest::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

HttpTestServer::HttpTestServer(HttpHandler handler)
    : impl_(std::make_unique<Impl>()), handler_(std::move(handler)) {
  const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(endpoint.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(endpoint);
  impl_->acceptor.listen();
  port_ = impl_->acceptor.local_endpoint().port();
  acceptor_thread_ = std::thread([this] {
    while (!stopping_) {
      boost::system::error_code ec;
      tcp::socket socket = impl_->acceptor.accept(ec);
      if (ec || stopping_) break;
      const int fd = socket.release(ec);
      ++connections_;
      std::lock_guard lock(mutex_);
      open_fds_.push_back(fd);
      threads_.emplace_back([this, fd] { serve(fd); });
    }
  });
}

HttpTestServer::~HttpTestServer() {
  stopping_ = true;
  // Unblocks accept() and every connection's read; the threads then end on their own.
  ::shutdown(impl_->acceptor.native_handle(), SHUT_RDWR);
  acceptor_thread_.join();
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
    threads.swap(threads_);
  }
  for (auto& t : threads) t.join();
  for (int fd : open_fds_) ::close(fd);
}

std::string HttpTestServer::base_url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

void HttpTestServer::set_handler(HttpHandler handler) {
  std::lock_guard lock(mutex_);
  handler_ = std::move(handler);
}

std::vector<HttpRequest> HttpTestServer::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

std::size_t HttpTestServer::request_count() const {
  std::lock_guard lock(mutex_);
  return requests_.size();
}

void HttpTestServer::clear_requests() {
  std::lock_guard lock(mutex_);
  requests_.clear();
}

HttpResponse HttpTestServer::answer(const HttpRequest& request) {
  HttpHandler handler;
  {
    std::lock_guard lock(mutex_);
    requests_.push_back(request);
    handler = handler_;
  }
  try {
    return handler(request);
  } catch (const std::exception& e) {
    auto r = HttpResponse::json(std::string("test handler threw: ") + e.what(), 500);
    r.content_type = "text/plain";
    return r;
  }
}

namespace {

HttpRequest to_request(const http::request<http::string_body>& in) {
  HttpRequest r;
  r.method = std::string(in.method_string());
  r.target = std::string(in.target());
  const auto q = r.target.find('?');
  r.path = url_decode(std::string_view(r.target).substr(0, q));
  if (q != std::string::npos) {
    std::string_view rest = std::string_view(r.target).substr(q + 1);
    while (!rest.empty()) {
      const auto amp = rest.find('&');
      const std::string_view pair = rest.substr(0, amp);
      const auto eq = pair.find('=');
      r.query[url_decode(pair.substr(0, eq))] =
          eq == std::string_view::npos ? std::string() : url_decode(pair.substr(eq + 1));
      rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    }
  }
  for (const auto& field : in) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    r.headers[name] = std::string(field.value());
  }
  r.body = in.body();
  r.received = std::chrono::steady_clock::now();
  return r;
}

}  // namespace

// Writes `out` as a chunked body; false when the connection is done with (the client went
// away, or the server stops).
template <class Socket>
bool HttpTestServer::stream(Socket& socket, const HttpResponse& out, unsigned version) {
  boost::system::error_code ec;
  http::response<http::empty_body> head{static_cast<http::status>(out.status), version};
  head.set(http::field::server, "sluice-test");
  head.set(http::field::content_type, out.content_type);
  for (const auto& [name, value] : out.headers) head.set(name, value);
  head.chunked(true);
  http::response_serializer<http::empty_body> serializer{head};
  http::write_header(socket, serializer, ec);
  if (ec) return false;
  std::size_t sent = 0;
  const auto send = [&](std::string_view bytes) {
    asio::write(socket, http::make_chunk(asio::buffer(bytes.data(), bytes.size())), ec);
    if (ec) return false;
    sent += bytes.size();
    streamed_ += bytes.size();
    return true;
  };
  if (!out.body.empty() && !send(out.body)) return false;
  while (sent < out.stream_bytes && !stopping_) {
    const std::size_t n = std::min(out.chunk.size(), out.stream_bytes - sent);
    if (!send(std::string_view(out.chunk).substr(0, n))) return false;
    if (out.stream_interval.count() > 0) std::this_thread::sleep_for(out.stream_interval);
  }
  asio::write(socket, http::make_chunk_last(), ec);
  return !ec && !stopping_;
}

void HttpTestServer::serve(int fd) {
  asio::io_context io;
  tcp::socket socket(io);
  boost::system::error_code ec;
  socket.assign(tcp::v4(), fd, ec);
  if (ec) return;
  boost::beast::flat_buffer buffer;
  while (!stopping_) {
    http::request<http::string_body> in;
    http::read(socket, buffer, in, ec);
    if (ec) break;
    const HttpResponse out = answer(to_request(in));
    if (out.delay.count() > 0) std::this_thread::sleep_for(out.delay);
    if (!out.chunk.empty()) {
      if (!stream(socket, out, in.version())) break;
      continue;
    }
    http::response<http::string_body> res{static_cast<http::status>(out.status), in.version()};
    res.set(http::field::server, "sluice-test");
    res.set(http::field::content_type, out.content_type);
    for (const auto& [name, value] : out.headers) res.set(name, value);
    res.body() = out.body;
    res.keep_alive(in.keep_alive());
    res.prepare_payload();
    http::write(socket, res, ec);
    if (ec || !res.keep_alive()) break;
  }
  socket.shutdown(tcp::socket::shutdown_both, ec);
  // The fd stays open (and listed) until the destructor, which may still shut it down.
  socket.release(ec);
}

}  // namespace sluice::test
