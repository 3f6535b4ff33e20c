#include "framework/store/transitions.hpp"

#include <array>

namespace sluice::store {
namespace {

using enum Status;

constexpr std::array kTransitions{
    Transition{Move::claim, pending, in_progress, false, false, "a worker claims the window"},
    Transition{Move::succeed, in_progress, success, false, true, "the audit passed"},
    Transition{Move::skip, in_progress, skipped, false, true,
               "pre-validation found the window already loaded, or a run_if condition was false"},
    Transition{Move::fail, in_progress, failed, false, true,
               "permanent or integrity error, or retries used up"},
    Transition{Move::retry, in_progress, pending, true, true,
               "retryable error; waits for next_attempt_at"},
    Transition{Move::release, in_progress, pending, false, true,
               "released on drain, before the window is stable, or while run_if waits"},
    Transition{Move::expire, in_progress, pending, true, false,
               "stale lock freed by cleanup (judged by the database clock)"},
    Transition{Move::expire_fail, in_progress, failed, true, false,
               "stale lock and no retries left"},
    Transition{Move::rerun, success, pending, false, false, "operator rerun or backfill"},
    Transition{Move::rerun, skipped, pending, false, false, "operator rerun or backfill"},
    Transition{Move::rerun, failed, pending, false, false, "operator rerun or backfill"},
    Transition{Move::accept, failed, success, false, false,
               "an operator accepts the window as it is (audit_result ACCEPTED)"},
};

constexpr std::array<std::string_view, 5> kStatusNames{"PENDING", "IN_PROGRESS", "SUCCESS",
                                                       "SKIPPED", "FAILED"};
constexpr std::array<std::string_view, 5> kPhaseNames{"", "PRE_VALIDATION", "SOURCE_TO_STAGE",
                                                      "STAGE_TO_TARGET", "AUDIT"};

}  // namespace

std::string_view to_string(Status s) {
  return kStatusNames[static_cast<std::size_t>(s)];
}
std::string_view to_string(Phase p) {
  return kPhaseNames[static_cast<std::size_t>(p)];
}

std::optional<Status> parse_status(std::string_view text) {
  for (std::size_t i = 0; i < kStatusNames.size(); ++i)
    if (kStatusNames[i] == text) return static_cast<Status>(i);
  return std::nullopt;
}

std::optional<Phase> parse_phase(std::string_view text) {
  for (std::size_t i = 0; i < kPhaseNames.size(); ++i)
    if (kPhaseNames[i] == text) return static_cast<Phase>(i);
  return std::nullopt;
}

bool is_terminal(Status s) {
  return s == success || s == skipped || s == failed;
}

std::span<const Transition> transitions() {
  return kTransitions;
}

std::string_view to_string(Move m) {
  switch (m) {
    case Move::claim: return "claim";
    case Move::succeed: return "succeed";
    case Move::skip: return "skip";
    case Move::fail: return "fail";
    case Move::retry: return "retry";
    case Move::release: return "release";
    case Move::expire: return "expire";
    case Move::expire_fail: return "expire_fail";
    case Move::rerun: return "rerun";
    case Move::accept: return "accept";
  }
  return "unknown";
}

std::optional<Transition> find_transition(Move move, Status from) {
  for (const auto& t : kTransitions)
    if (t.move == move && t.from == from) return t;
  return std::nullopt;
}

bool allowed(Status from, Status to) {
  for (const auto& t : kTransitions)
    if (t.from == from && t.to == to) return true;
  return false;
}

}  // namespace sluice::store
