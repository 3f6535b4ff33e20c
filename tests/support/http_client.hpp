#pragma once
// A client for tests of sluiced's HTTP server: whole requests through libcurl (HTTP or HTTPS
// with a test CA), and raw sockets for what a well-behaved client never does.
#include <chrono>
#include <map>
#include <string>

namespace sluice::test {

struct HttpAnswer {
  int status = 0;  // 0: no answer (curl_error says why)
  std::string body;
  std::string content_type;
  std::string curl_error;
};

struct HttpCall {
  std::string method = "GET";
  std::string token{};    // sent as Authorization: Bearer
  std::string body{};     // sent as `content_type`
  std::string ca_file{};  // for https:// URLs
  std::string content_type = "application/json";
  std::string if_match{};  // sent as If-Match when set
};

HttpAnswer http_request(const std::string& url, const HttpCall& call = {});

// The port sluiced logged as `serving HTTP on HOST:PORT` (or HTTPS); 0 when not (yet) logged.
unsigned short served_port(const std::string& log);

// A raw TCP connection to 127.0.0.1:port; throws on failure. The caller closes it.
int connect_raw(unsigned short port);
// Writes all of `bytes`; false when the peer closed.
bool send_raw(int fd, const std::string& bytes);
// Reads until the peer closes or `limit` passes; `closed` says which.
std::string receive_raw(int fd, std::chrono::milliseconds limit, bool* closed = nullptr);

}  // namespace sluice::test
