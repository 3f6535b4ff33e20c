#include "framework/core/window.hpp"

namespace sluice {

std::string to_string(const Window& w) {
  return "[" + format_utc(w.start) + ", " + format_utc(w.end) + ")";
}

}  // namespace sluice
