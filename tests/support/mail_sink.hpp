#pragma once
// A real SMTP server for the e-mail tests: Debian's python3-aiosmtpd on 127.0.0.1 (a port
// of its own), storing each message it accepts in a Maildir the test reads.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/paths.hpp"
#include "tests/support/process.hpp"

namespace sluice::test {

class MailSink {
 public:
  MailSink();  // throws when the server does not come up
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
