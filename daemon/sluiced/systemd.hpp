#pragma once
// The service manager's side of Type=notify, through libsystemd. Every call is a no-op
// when NOTIFY_SOCKET is unset (a terminal, a test), so the daemon never asks where it runs.
#include <chrono>
#include <optional>
#include <string_view>

namespace sluice::daemon::systemd {

void ready();
void reloading();
void stopping();
void watchdog();
void status(std::string_view text);

// How often WATCHDOG=1 must be sent: half of WATCHDOG_USEC, when the unit sets WatchdogSec.
std::optional<std::chrono::microseconds> watchdog_period();

}  // namespace sluice::daemon::systemd
