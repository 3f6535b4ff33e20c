#include "tests/support/mail_sink.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace sluice::test {
namespace {

// A port nobody listens on now (the kernel's pick for a socket closed at once).
std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

bool accepts(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

MailSink::MailSink(std::optional<Login> login) {
  const auto maildir = dir_.path() / "mail";
  for (int tries = 0; tries < 3 && !server_; ++tries) {
    port_ = free_port();
    std::vector<std::string> argv{"/usr/bin/python3",
                                  "-m",
                                  "aiosmtpd",
                                  "-n",
                                  "-c",
                                  "aiosmtpd.handlers.Mailbox",
                                  "-l",
                                  "127.0.0.1:" + std::to_string(port_),
                                  maildir.string()};
    if (login) {
      argv = {"/usr/bin/python3",    (data_dir() / ".." / "support" / "smtp_auth_sink.py").string(),
              std::to_string(port_), maildir.string(),
              login->user,           login->password};
    }
    server_ = std::make_unique<Process>(argv);
    bool up = false;
    for (int i = 0; i < 100 && !up; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      up = accepts(port_);
    }
    if (!up) server_.reset();
  }
  if (!server_)
    throw std::runtime_error(
        "the SMTP sink (/usr/bin/python3 -m aiosmtpd, package python3-aiosmtpd) did not start");
}

MailSink::~MailSink() = default;

std::string MailSink::url() const {
  return "smtp://127.0.0.1:" + std::to_string(port_);
}

std::vector<std::string> MailSink::messages() const {
  std::vector<std::filesystem::path> files;
  const auto dir = dir_.path() / "mail" / "new";
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) files.push_back(e.path());
  // Maildir names start with the delivery time: their order is the arrival order.
  std::sort(files.begin(), files.end());
  std::vector<std::string> out;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    out.push_back(text.str());
  }
  return out;
}

}  // namespace sluice::test
