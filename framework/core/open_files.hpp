#pragma once
// The process's limit on open descriptors, raised for what it is about to hold (HTTP
// connections, a test's idle sockets).
#include <cstdint>

namespace sluice {

// Raises the soft RLIMIT_NOFILE to at least `files`, never past the hard limit; a limit
// already that high is left alone. Returns the soft limit in force afterwards (0 when it
// could not be read).
std::uint64_t raise_open_files(std::uint64_t files);

}  // namespace sluice
