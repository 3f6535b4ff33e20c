#pragma once
// A real SMTP server for the e-mail tests: Debian's python3-aiosmtpd on 127.0.0.1 (a port
// of its own), storing each message it accepts in a Maildir the test reads. With a login it
// refuses mail until the client authenticates (tests/support/smtp_auth_sink.py).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/paths.hpp"
#include "tests/support/process.hpp"

namespace sluice::test {

class MailSink {
 public:
  struct Login {
    std::string user;
    std::string password;
  };
  explicit MailSink(std::optional<Login> login = std::nullopt);  // throws when it does not start
  ~MailSink();
  MailSink(const MailSink&) = delete;
  MailSink& operator=(const MailSink&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url() const;  // smtp://127.0.0.1:PORT
  // Every message received so far, whole (headers and body), oldest first.
  std::vector<std::string> messages() const;

 private:
  TempDir dir_;
  std::uint16_t port_ = 0;
  std::unique_ptr<Process> server_;
};

}  // namespace sluice::test
