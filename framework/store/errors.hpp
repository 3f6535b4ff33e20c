#pragma once
// Database errors classified once, where they are caught, so the chain decides what follows
// from the kind alone:
//
//   retryable  the same statement may succeed later: connection lost or refused, server
//              shutting down or starting up, serialization failure, deadlock, lock or
//              statement timeout, out of connections, memory or disk, read-only (failover)
//   permanent  only a person can fix it: syntax, undefined table or column, privileges,
//              authentication, unknown database or role, invalid data, misuse of libpqxx
//   integrity  a constraint the schema declares was violated (class 23: unique, check,
//              foreign key, not null, exclusion). Retrying the same data cannot help, and
//              unlike a permanent error it says the data (a record, a loaded row) disagrees
//              with the rules, which is what an operator must look at. Not retried.
//
// Anything unrecognised is permanent: retrying an error nobody understood only hides it.
//
// Apart from the kind, an error says whether the database itself is out of reach
// (Error::connection_lost): a connection exception (class 08), the server shutting down or
// starting up (57P01..57P03), a connection libpqxx found broken, a COMMIT whose outcome the
// broken connection hides. That alone makes a daemon pause claiming and reconnect; a data
// error (22xxx, 23xxx, ...) is the statement's, and the window it wrote for fails with it.
#include <exception>
#include <string_view>
#include <type_traits>

#include "framework/core/error.hpp"

namespace sluice::store {

// By SQLSTATE (five characters, e.g. "40001"); the class (first two) decides unless the
// code itself is listed.
ErrorKind classify_sqlstate(std::string_view sqlstate);

// Class 08, 57P01, 57P02, 57P03.
bool is_connection_sqlstate(std::string_view sqlstate);

// A connection that could not be opened or broke has no SQLSTATE, only libpq's text.
ErrorKind classify_connection_failure(std::string_view message);

// The kind and a one-line message: "<doing>: <server message> (<detail>) [SQLSTATE xxxxx]".
Error classify(const std::exception& e, std::string_view doing);

// Runs f, turning any exception into a classified error: the boundary between libpqxx
// (which throws) and the rest of sluice (which returns Result).
template <class F>
auto attempt(std::string_view doing, F&& f) -> Result<std::invoke_result_t<F>> {
  try {
    if constexpr (std::is_void_v<std::invoke_result_t<F>>) {
      f();
      return {};
    } else {
      return f();
    }
  } catch (const std::exception& e) {
    return fail(classify(e, doing));
  }
}

}  // namespace sluice::store
