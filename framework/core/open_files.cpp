#include "framework/core/open_files.hpp"

#include <sys/resource.h>

#include <algorithm>

namespace sluice {

std::uint64_t raise_open_files(std::uint64_t files) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur >= files) return limit.rlim_cur;
  const rlim_t before = limit.rlim_cur;
  limit.rlim_cur = std::min(static_cast<rlim_t>(files), limit.rlim_max);
  return setrlimit(RLIMIT_NOFILE, &limit) == 0 ? limit.rlim_cur : before;
}

}  // namespace sluice
