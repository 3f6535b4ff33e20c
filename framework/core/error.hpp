#pragma once
// Errors are classified once, at the edge where they happen (an adapter, the store); the
// chain decides what follows from the kind alone.
#include <string>
#include <string_view>
#include <utility>

#include <tl/expected.hpp>

namespace sluice {

enum class ErrorKind {
  retryable,  // transient: network, lock timeout, server restarting; retried with backoff
  permanent,  // retrying cannot help: bad credentials, missing table, malformed data
  integrity,  // the data disagrees with itself (audit mismatch); not retried by default
};

std::string_view to_string(ErrorKind kind);

struct Error {
  ErrorKind kind = ErrorKind::permanent;
  std::string message;
  // Set by the store (framework/store/errors.cpp) when the coordinating database cannot be
  // reached: the connection broke or was refused, or the server is shutting down or starting
  // up. Only then does a worker stop and the daemon pause claiming and reconnect; any other
  // store error belongs to its statement (a value refused, a constraint, a timeout).
  bool connection_lost = false;

  static Error retryable(std::string message) { return {ErrorKind::retryable, std::move(message)}; }
  static Error permanent(std::string message) { return {ErrorKind::permanent, std::move(message)}; }
  static Error integrity(std::string message) { return {ErrorKind::integrity, std::move(message)}; }

  bool operator==(const Error&) const = default;
};

// A value or the Error that took its place. [[nodiscard]]: a Result dropped on the floor is
// an error lost, so the compiler refuses it (a caller that means to ignore one says why,
// with a `(void)` cast and a comment).
template <class T>
class [[nodiscard]] Result : public tl::expected<T, Error> {
  using Base = tl::expected<T, Error>;

 public:
  using Base::Base;
  Result() = default;
  Result(const Base& b) : Base(b) {}        // NOLINT(google-explicit-constructor)
  Result(Base&& b) : Base(std::move(b)) {}  // NOLINT(google-explicit-constructor)
};

// Shorthand for the failure branch: `return fail(Error::permanent("..."));`
inline tl::unexpected<Error> fail(Error error) {
  return tl::unexpected<Error>(std::move(error));
}

}  // namespace sluice
