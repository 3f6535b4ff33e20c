#pragma once
// A local HTTP/1.1 server for adapter tests (Boost.Beast): 127.0.0.1 on an ephemeral port,
// each response decided by a handler the test programs (pages of JSON for a window, 429 with
// Retry-After, 500 then 200, malformed JSON, slow answers, endless streamed bodies), and every
// request it received kept so a test can assert on paths, query parameters and headers. It
// also counts connections (a client that spoke anything but HTTP shows there, not in
// requests()) and the body bytes it streamed.
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace sluice::test {

struct HttpRequest {
  std::string method;
  std::string target;                          // as sent: path and query
  std::string path;                            // decoded
  std::map<std::string, std::string> query;    // decoded; the last value of a repeated name
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::chrono::steady_clock::time_point received;

  std::string param(const std::string& name, std::string fallback = {}) const;
  std::string header(const std::string& name) const;  // lower-case name; empty when absent
};

struct HttpResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds delay{0};  // before the answer is sent: a slow server
  // A body streamed with chunked encoding instead of `body`: `chunk` sent again and again
  // until `stream_bytes` have gone or the client hangs up, `stream_interval` between chunks
  // (an endless or a slow body). The chunks follow `body`, which may open the JSON.
  std::string chunk;
  std::size_t stream_bytes = SIZE_MAX;
  std::chrono::milliseconds stream_interval{0};

  static HttpResponse json(std::string body, int status = 200) {
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

class HttpTestServer {
 public:
  explicit HttpTestServer(HttpHandler handler);
  ~HttpTestServer();
  HttpTestServer(const HttpTestServer&) = delete;
  HttpTestServer& operator=(const HttpTestServer&) = delete;

  std::uint16_t port() const { return port_; }
  std::string base_url() const;  // http://127.0.0.1:PORT
  void set_handler(HttpHandler handler);
  std::vector<HttpRequest> requests() const;
  std::size_t request_count() const;
  void clear_requests();
  std::size_t connection_count() const { return connections_; }
  std::size_t streamed_bytes() const { return streamed_; }

 private:
  struct Impl;
  void serve(int fd);
  HttpResponse answer(const HttpRequest& request);
  template <class Socket>
  bool stream(Socket& socket, const HttpResponse& out, unsigned version);

  std::unique_ptr<Impl> impl_;
  std::uint16_t port_ = 0;
  mutable std::mutex mutex_;
  HttpHandler handler_;
  std::vector<HttpRequest> requests_;
  std::vector<int> open_fds_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> connections_{0};
  std::atomic<std::size_t> streamed_{0};
  std::thread acceptor_thread_;
};

// Decodes %XX and `+` (as a space) of a query component.
std::string url_decode(std::string_view text);

}  // namespace sluice::test
