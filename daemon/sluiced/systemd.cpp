#include "daemon/sluiced/systemd.hpp"

#include <systemd/sd-daemon.h>

#include <string>

namespace sluice::daemon::systemd {

void ready() {
  sd_notify(0, "READY=1\nSTATUS=running");
}
void reloading() {
  sd_notify(0, "RELOADING=1\nSTATUS=reloading the config");
}
void stopping() {
  sd_notify(0, "STOPPING=1\nSTATUS=draining");
}
void watchdog() {
  sd_notify(0, "WATCHDOG=1");
}

void status(std::string_view text) {
  const std::string line = "STATUS=" + std::string(text);
  sd_notify(0, line.c_str());
}

std::optional<std::chrono::microseconds> watchdog_period() {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
  return std::chrono::microseconds(usec / 2);
}

}  // namespace sluice::daemon::systemd
