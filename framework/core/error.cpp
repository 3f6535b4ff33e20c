#include "framework/core/error.hpp"

namespace sluice {

std::string_view to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::retryable: return "retryable";
    case ErrorKind::permanent: return "permanent";
    case ErrorKind::integrity: return "integrity";
  }
  return "unknown";
}

}  // namespace sluice
