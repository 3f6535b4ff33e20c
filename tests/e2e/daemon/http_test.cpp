// sluiced's HTTP server over real sockets: the API and health endpoints, keep-alive, TLS with
// a certificate made here, the limits (body, headers, a trickling client, open connections),
// and 1,000 idle connections that do not stop the daemon claiming windows.
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include <nlohmann/json.hpp>

#include "framework/core/open_files.hpp"
#include "tests/e2e/daemon/harness.hpp"
#include "tests/support/api_services.hpp"
#include "tests/support/files.hpp"
#include "tests/support/http_client.hpp"

using namespace sluice;
using namespace std::chrono_literals;

namespace {

// A daemon serving HTTP on a free port, with one token per role and the given http keys.
struct Served {
  test::TestDatabase db;
  std::unique_ptr<store::Connection> c;
  test::TempDir dir;
  std::unique_ptr<test::DaemonProcess> daemon;
  unsigned short port = 0;

  explicit Served(const std::string& http_keys = "",
                  const std::string& end = "2024-01-01T02:00:00Z",
                  const std::string& connections = "")
      : c(test::prepared(db, test::slow_source_sql(0))) {
    test::DaemonSettings settings;
    settings.http = "  listen: 127.0.0.1:0\n" + http_keys + "  tokens:\n" +
                    "    - {name: dash, role: viewer, token: " + test::kViewerToken + "}\n" +
                    "    - {name: ci, role: operator, token: " + test::kOperatorToken + "}\n" +
                    "    - {name: root, role: admin, token: " + test::kAdminToken + "}\n";
    settings.connections = connections;
    test::write_daemon_file(dir.path(), settings);
    test::write_pipeline(dir.path(), "copy", "src", "dst", "2024-01-01", end);
    daemon = std::make_unique<test::DaemonProcess>(dir.path(), db.url());
    const bool serving =
        test::eventually([&] { return (port = test::served_port(daemon->log())) != 0; }, 20s);
    INFO(daemon->log());
    REQUIRE(serving);
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port) + path;
  }
  // SUCCESS, or SKIPPED for a window without rows (only 00:00-01:00 has one).
  std::int64_t finished() const {
    return test::count(*c,
                       "SELECT count(*) FROM pipeline_records WHERE pipeline_status IN ('SUCCESS', "
                       "'SKIPPED')");
  }
};

// A TCP port that accepts connections (the kernel completes the handshake) and never answers:
// a database client connecting there waits until its connect_timeout.
struct BlackHole {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  unsigned short port = 0;
  BlackHole() {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t n = sizeof a;
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&a), n) == 0);
    REQUIRE(listen(fd, 16) == 0);
    REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &n) == 0);
    port = ntohs(a.sin_port);
  }
  ~BlackHole() { close(fd); }
};

}  // namespace

TEST_CASE("sluiced serves the API, /healthz and /readyz on http.listen",
          "[e2e][daemon][http][threads]") {
  Served s;
  const auto health = test::http_request(s.url("/healthz"));
  CHECK(health.status == 200);
  CHECK(test::http_request(s.url("/readyz")).status == 200);
  CHECK(test::http_request(s.url("/api/v1/pipelines")).status == 401);
  const bool ran = test::eventually([&] { return s.finished() == 2; }, 30s);
  INFO(s.daemon->log());
  REQUIRE(ran);
  const auto list =
      test::http_request(s.url("/api/v1/records?pipeline=copy"), {.token = test::kViewerToken});
  REQUIRE(list.status == 200);
  CHECK(list.content_type == "application/json");
  CHECK(nlohmann::json::parse(list.body)["records"].size() == 2);
  const auto paused = test::http_request(s.url("/api/v1/pipelines/copy/pause"),
                                         {.method = "POST", .token = test::kOperatorToken});
  CHECK(paused.status == 200);
  CHECK(test::http_request(s.url("/api/v1/pipelines/copy/pause"),
                           {.method = "POST", .token = test::kViewerToken})
            .status == 403);
  CHECK(s.daemon->log().find(test::kOperatorToken) == std::string::npos);
}

TEST_CASE("a kept-alive connection answers several requests in turn", "[e2e][daemon][http]") {
  Served s;
  const int fd = test::connect_raw(s.port);
  const std::string request = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  REQUIRE(test::send_raw(fd, request + request));  // pipelined
  std::string got;
  for (int i = 0; i < 50 && got.find("ok", got.find("ok") + 1) == std::string::npos; ++i)
    got += test::receive_raw(fd, 100ms);
  close(fd);
  std::size_t answers = 0;
  for (auto at = got.find("HTTP/1.1 200"); at != std::string::npos;
       at = got.find("HTTP/1.1 200", at + 1))
    ++answers;
  CHECK(answers == 2);
}

TEST_CASE("oversized bodies and headers and malformed requests get their 4xx",
          "[e2e][daemon][http]") {
  Served s("  max_body_bytes: 1024\n  max_header_bytes: 2048\n");
  const auto big =
      test::http_request(s.url("/api/v1/records/rerun"),
                         {.method = "POST",
                          .token = test::kOperatorToken,
                          .body = "{\"pipeline\": \"" + std::string(4096, 'x') + "\"}"});
  CHECK(big.status == 413);
  const auto request_with = [&](const std::string& bytes) {
    const int fd = test::connect_raw(s.port);
    test::send_raw(fd, bytes);
    const auto answer = test::receive_raw(fd, 5s);
    close(fd);
    return answer.substr(0, answer.find("\r\n"));
  };
  CHECK(request_with("GET /healthz HTTP/1.1\r\nX-Big: " + std::string(4096, 'h') + "\r\n\r\n") ==
        "HTTP/1.1 431 Request Header Fields Too Large");
  CHECK(request_with("GARBAGE\r\n\r\n") == "HTTP/1.1 400 Bad Request");
  CHECK(request_with("GET /healthz HTTP/1.1\r\nContent-Length: x\r\n\r\n") ==
        "HTTP/1.1 400 Bad Request");
}

TEST_CASE("a client trickling a request is cut off at the read timeout", "[e2e][daemon][http]") {
  Served s("  read_timeout: 2s\n  idle_timeout: 30s\n");
  const int fd = test::connect_raw(s.port);
  const std::string request = "GET /healthz HTTP/1.1\r\nHost: slow.example\r\n\r\n";
  const auto began = std::chrono::steady_clock::now();
  bool cut = false;
  for (char ch : request) {  // a byte every 250 ms: 11 s for the whole request
    if (!test::send_raw(fd, std::string(1, ch))) {
      cut = true;
      break;
    }
    bool closed = false;
    test::receive_raw(fd, 250ms, &closed);
    if (closed) {
      cut = true;
      break;
    }
  }
  const auto took = std::chrono::steady_clock::now() - began;
  close(fd);
  CHECK(cut);
  CHECK(took < 8s);
  // The daemon goes on answering.
  CHECK(test::http_request(s.url("/healthz")).status == 200);
}

TEST_CASE("connections over http.max_connections are closed at once", "[e2e][daemon][http]") {
  Served s("  max_connections: 3\n");
  std::vector<int> held;
  for (int i = 0; i < 3; ++i) held.push_back(test::connect_raw(s.port));
  std::this_thread::sleep_for(300ms);
  const int extra = test::connect_raw(s.port);
  bool closed = false;
  test::receive_raw(extra, 3s, &closed);
  CHECK(closed);
  close(extra);
  for (int fd : held) close(fd);
  CHECK(test::eventually([&] { return test::http_request(s.url("/healthz")).status == 200; }, 5s));
}

TEST_CASE("1,000 idle connections do not stop the daemon claiming windows",
          "[e2e][daemon][http][threads]") {
  raise_open_files(1400);
  Served s("", "2024-01-01T12:00:00Z");  // 12 windows to run while the connections idle
  std::vector<int> idle;
  for (int i = 0; i < 1000; ++i) idle.push_back(test::connect_raw(s.port));
  CHECK(test::eventually([&] { return s.finished() == 12; }, 60s));
  CHECK(test::http_request(s.url("/healthz")).status == 200);
  for (int fd : idle) close(fd);
}

TEST_CASE("with http.tls sluiced serves HTTPS with the given certificate", "[e2e][daemon][http]") {
  test::TempDir certs;
  const auto cert = (certs.path() / "cert.pem").string();
  const auto key = (certs.path() / "key.pem").string();
  const auto made = test::run_process(
      {"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
       "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert},
      {});
  INFO(made.err);
  REQUIRE(made.exit_code == 0);
  Served s("  tls:\n    cert: " + cert + "\n    key: " + key + "\n");
  CHECK(s.daemon->log().find("serving HTTPS on") != std::string::npos);
  const std::string base = "https://127.0.0.1:" + std::to_string(s.port);
  const auto health = test::http_request(base + "/healthz", {.ca_file = cert});
  INFO(health.curl_error);
  CHECK(health.status == 200);
  const auto api = test::http_request(base + "/api/v1/pipelines",
                                      {.token = test::kViewerToken, .ca_file = cert});
  CHECK(api.status == 200);
  // Without the CA the certificate is refused, and plain HTTP gets no answer.
  CHECK(test::http_request(base + "/healthz").status == 0);
  CHECK(test::http_request(s.url("/healthz")).status == 0);
}

TEST_CASE("/metrics is a scrape promtool accepts, with the windows, rows and requests",
          "[e2e][daemon][http]") {
  Served s;
  REQUIRE(test::eventually([&] { return s.finished() == 2; }, 30s));
  test::http_request(s.url("/api/v1/pipelines"), {.token = test::kViewerToken});
  std::string text;
  // The per-status gauges come from a query every 10 s.
  REQUIRE(test::eventually(
      [&] {
        text = test::http_request(s.url("/metrics")).body;
        return text.find("sluice_windows{pipeline=\"copy\",status=\"SKIPPED\"} 1") !=
               std::string::npos;
      },
      30s));
  INFO(text);
  CHECK(text.find("sluice_windows{pipeline=\"copy\",status=\"SUCCESS\"} 1") != std::string::npos);
  CHECK(text.find("sluice_rows_total{direction=\"stage_to_target\",pipeline=\"copy\"} 1") !=
        std::string::npos);
  CHECK(text.find("sluice_http_requests_total{code=\"200\",route=\"/api/v1/pipelines\"} 1") !=
        std::string::npos);
  CHECK(text.find("sluice_database_up 1") != std::string::npos);
  CHECK(text.find("sluice_claim_latency_seconds_count 2") != std::string::npos);
  test::write_file(s.dir.path() / "scrape.txt", text);
  const auto checked = test::run_process(
      {"/bin/sh", "-c", "promtool check metrics < " + (s.dir.path() / "scrape.txt").string()}, {});
  INFO(checked.out << checked.err);
  CHECK(checked.exit_code == 0);
}

TEST_CASE("with http.metrics_token /metrics needs that token", "[e2e][daemon][http]") {
  Served s("  metrics_token: metrics-0123456789abcdef\n");
  CHECK(test::http_request(s.url("/metrics")).status == 401);
  CHECK(test::http_request(s.url("/metrics"), {.token = test::kViewerToken}).status == 401);
  CHECK(test::http_request(s.url("/metrics"), {.token = "metrics-0123456789abcdef"}).status == 200);
  CHECK(test::http_request(s.url("/healthz")).status == 200);
}

TEST_CASE("with http.enabled false sluiced serves nothing and runs its windows",
          "[e2e][daemon][http]") {
  test::TestDatabase db;
  auto c = test::prepared(db, test::slow_source_sql(0));
  test::TempDir dir;
  BlackHole taken;  // a port known to be ours: the daemon is told to listen there
  const auto port = taken.port;
  close(taken.fd);
  taken.fd = -1;
  test::DaemonSettings settings;
  settings.http = "  enabled: false\n  listen: 127.0.0.1:" + std::to_string(port) + "\n";
  test::write_daemon_file(dir.path(), settings);
  test::write_pipeline(dir.path(), "copy", "src", "dst", "2024-01-01", "2024-01-01T02:00:00Z");
  test::DaemonProcess daemon(dir.path(), db.url());
  CHECK(test::eventually(
      [&] {
        return test::count(*c,
                           "SELECT count(*) FROM pipeline_records WHERE pipeline_status IN "
                           "('SUCCESS', 'SKIPPED')") == 2;
      },
      30s));
  INFO(daemon.log());
  CHECK(daemon.log().find("HTTP API off (http.enabled: false)") != std::string::npos);
  CHECK(test::served_port(daemon.log()) == 0);
  CHECK(test::http_request("http://127.0.0.1:" + std::to_string(port) + "/healthz").status == 0);
}

TEST_CASE("requests over http.max_queued are answered 503 with Retry-After, /healthz still 200",
          "[e2e][daemon][http]") {
  BlackHole hole;
  Served s("  database_connections: 1\n  max_queued: 1\n", "2024-01-01T02:00:00Z",
           "  hole:\n    kind: postgres\n    url: postgresql://x@127.0.0.1:" +
               std::to_string(hole.port) + "/x?connect_timeout=3\n");
  // The probe of `hole` holds the one API thread until libpq's connect_timeout (3 s).
  std::thread slow([&] {
    test::http_request(s.url("/api/v1/connections/hole/test"),
                       {.method = "POST", .token = test::kAdminToken});
  });
  std::this_thread::sleep_for(1s);
  const auto busy = test::http_request(s.url("/api/v1/pipelines"), {.token = test::kViewerToken});
  const auto health = test::http_request(s.url("/healthz"));
  slow.join();
  CHECK(busy.status == 503);
  CHECK(busy.content_type == "application/problem+json");
  CHECK(busy.body.find("http.max_queued") != std::string::npos);
  CHECK(health.status == 200);
  // Once the slow one is answered, the queue takes requests again.
  CHECK(test::http_request(s.url("/api/v1/pipelines"), {.token = test::kViewerToken}).status ==
        200);
}

TEST_CASE("a body nested 500,000 deep is refused and the daemon answers on",
          "[e2e][daemon][http]") {
  Served s;
  const auto deep = test::http_request(
      s.url("/api/v1/records/rerun"),
      {.method = "POST", .token = test::kOperatorToken, .body = std::string(500000, '[')});
  CHECK(deep.status == 400);
  CHECK(deep.body.find("nested deeper than") != std::string::npos);
  const auto closed = test::http_request(
      s.url("/api/v1/records/rerun"),
      {.method = "POST",
       .token = test::kOperatorToken,
       .body = "{\"pipeline\": " + std::string(200000, '[') + std::string(200000, ']') + "}"});
  CHECK(closed.status == 400);
  CHECK(test::http_request(s.url("/healthz")).status == 200);
}

TEST_CASE("two daemons on one database answer the same", "[e2e][daemon][http]") {
  Served s;
  REQUIRE(test::eventually([&] { return s.finished() == 2; }, 30s));
  test::TempDir second_dir;
  test::DaemonSettings settings;
  settings.http = "  listen: 127.0.0.1:0\n  tokens:\n    - {name: dash, role: viewer, token: " +
                  std::string(test::kViewerToken) + "}\n";
  test::write_daemon_file(second_dir.path(), settings);
  test::write_pipeline(second_dir.path(), "copy", "src", "dst", "2024-01-01",
                       "2024-01-01T02:00:00Z");
  test::DaemonProcess second(second_dir.path(), s.db.url(), "second");
  unsigned short port = 0;
  REQUIRE(test::eventually([&] { return (port = test::served_port(second.log())) != 0; }, 20s));
  for (const char* path : {"/api/v1/records?pipeline=copy", "/api/v1/backfills", "/api/v1/locks"}) {
    INFO(path);
    const auto one = test::http_request(s.url(path), {.token = test::kViewerToken});
    const auto two = test::http_request("http://127.0.0.1:" + std::to_string(port) + path,
                                        {.token = test::kViewerToken});
    CHECK(one.status == 200);
    CHECK(one.body == two.body);
  }
}

TEST_CASE("a daemon killed mid-request leaves the change whole or not at all",
          "[e2e][daemon][http]") {
  Served s("", "2024-01-03T00:00:00Z");  // 48 windows
  REQUIRE(test::eventually([&] { return s.finished() == 48; }, 90s));
  std::thread rerun([&] {
    test::http_request(
        s.url("/api/v1/records/rerun"),
        {.method = "POST",
         .token = test::kOperatorToken,
         .body = R"({"pipeline": "copy", "from": "2024-01-01", "to": "2024-01-03"})"});
  });
  std::this_thread::sleep_for(5ms);
  s.daemon->signal(SIGKILL);
  s.daemon->wait();
  rerun.join();
  // The rerun and its audit row are one transaction: both or neither.
  const auto audited =
      test::count(*s.c, "SELECT coalesce(sum(affected), 0) FROM audit_log WHERE command = 'rerun'");
  const auto rerun_events =
      test::count(*s.c,
                  "SELECT count(*) FROM pipeline_events WHERE task = 'operator' AND message LIKE "
                  "'rerun by %'");
  CHECK(audited == rerun_events);
  CHECK((audited == 0 || audited == 48));
}
