#pragma once
// What sluicectl and the HTTP API both refuse, said once: the input at fault by a neutral
// name (`from`, `status`, `pipeline`), why, and what kind of refusal it is. sluicectl prints
// `--from: ...` and exits 2; the API answers a problem+json with `field: from`.
#include <string>
#include <utility>

#include <tl/expected.hpp>

#include <vector>

#include "framework/core/error.hpp"
#include "framework/schema/diagnostic.hpp"

namespace sluice::ops {

struct Refusal {
  enum class Kind {
    bad_input,  // a malformed or contradictory value (CLI exit 2, HTTP 400)
    not_found,  // an id or pipeline that does not exist (exit 2, HTTP 404)
    conflict,   // the records' state refuses it (exit 2, HTTP 409)
    failed,     // the database or an adapter failed (exit 1, HTTP 503 or 500): `error`
    invalid,    // a pipeline definition that does not validate (exit 2, HTTP 422): `problems`
    stale,      // a change made against an older version (exit 2, HTTP 412): `current`
  };
  Kind kind = Kind::bad_input;
  std::string field{};
  std::string message{};     // names the value, never a secret
  std::string suggestion{};  // "did you mean" (pipelines, statuses)
  Error error{};             // Kind::failed only
  // invalid, and conflict with a pipeline file: each problem at its line and column of the
  // submitted text (`catalog:ID@new`), or at the file's.
  std::vector<config::Diagnostic> problems{};
  int current = 0;  // stale: the version that is current
};

// How a message names an input: `--from` to sluicectl's user, `from` to an API client.
enum class Dialect { cli, api };
inline std::string spell(Dialect d, std::string_view field) {
  return d == Dialect::cli ? "--" + std::string(field) : std::string(field);
}

template <class T>
using Outcome = tl::expected<T, Refusal>;

inline tl::unexpected<Refusal> refused(Refusal::Kind kind, std::string field, std::string message,
                                       std::string suggestion = {}) {
  return tl::unexpected<Refusal>(
      Refusal{kind, std::move(field), std::move(message), std::move(suggestion), {}});
}
inline tl::unexpected<Refusal> store_failed(Error error) {
  std::string message = error.message;
  return tl::unexpected<Refusal>(
      Refusal{Refusal::Kind::failed, {}, std::move(message), {}, std::move(error)});
}

}  // namespace sluice::ops
