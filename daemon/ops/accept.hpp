#pragma once
// mark-success as `sluicectl mark-success` and the API's POST /records/mark-success both do
// it: the same checks before anything is written, the same refusals, the same answer.
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "daemon/ops/refusal.hpp"
#include "framework/config/model.hpp"
#include "framework/store/operator.hpp"

namespace sluice::ops {

// A reason is required (not blank) and bounded: it is kept in the event and the audit log.
inline constexpr std::size_t kMaxReasonCharacters = 1000;

// As the operator wrote it.
struct AcceptInput {
  std::string pipeline{};
  std::string window{};  // an instant: the window holding it
  std::string reason{};
};

struct AcceptOrder {
  const config::PipelineConfig* pipeline = nullptr;
  Instant window_start{};
  AcceptInput input{};
};

// Checked against the config, before the database: refuses a blank or too long reason
// (bad_input, `reason`), an unknown pipeline (not_found) and a bad instant (bad_input,
// `window`).
Outcome<AcceptOrder> resolve_accept(const config::Config& config, const AcceptInput& in, Dialect d);

struct Accepted {
  const config::PipelineConfig* pipeline = nullptr;
  std::int64_t id = 0;
  Instant window_start{};
};

// Refuses a window without a record (not_found, `window`) and a record that is not FAILED
// (conflict, `window`: its status named); nothing is written then. `audit` gets the
// command, the arguments and the reason.
Outcome<Accepted> mark_success(store::Operator& op, const AcceptOrder& order,
                               store::AuditEntry audit);
// id, pipeline, window_start (UTC), status, audit_result.
nlohmann::json accepted_json(const Accepted& a);

}  // namespace sluice::ops
