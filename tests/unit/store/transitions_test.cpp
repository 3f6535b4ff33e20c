#include <catch2/catch.hpp>

#include "framework/store/transitions.hpp"

using namespace sluice::store;

TEST_CASE("status and phase names round-trip through the column values", "[store]") {
  for (auto s :
       {Status::pending, Status::in_progress, Status::success, Status::skipped, Status::failed}) {
    CHECK(parse_status(to_string(s)) == s);
  }
  for (auto p : {Phase::none, Phase::pre_validation, Phase::source_to_stage, Phase::stage_to_target,
                 Phase::audit}) {
    CHECK(parse_phase(to_string(p)) == p);
  }
  CHECK(to_string(Status::in_progress) == "IN_PROGRESS");
  CHECK(to_string(Phase::stage_to_target) == "STAGE_TO_TARGET");
  CHECK_FALSE(parse_status("in_progress"));
  CHECK_FALSE(parse_phase("AUDITED"));
}

TEST_CASE("the transition table allows exactly the life cycle of DESIGN.md", "[store]") {
  struct Case {
    Status from, to;
    bool ok;
  };
  using enum Status;
  for (auto c :
       {Case{pending, in_progress, true}, Case{in_progress, success, true},
        Case{in_progress, skipped, true}, Case{in_progress, failed, true},
        Case{in_progress, pending, true}, Case{failed, pending, true}, Case{success, pending, true},
        Case{skipped, pending, true}, Case{pending, success, false}, Case{pending, failed, false},
        Case{success, in_progress, false}, Case{failed, success, true},
        Case{skipped, failed, false}, Case{pending, pending, false}, Case{skipped, success, false},
        Case{in_progress, in_progress, false}}) {
    INFO(to_string(c.from) << " -> " << to_string(c.to));
    CHECK(allowed(c.from, c.to) == c.ok);
  }
}

TEST_CASE("only the holder's own moves are fenced by the run ID", "[store]") {
  for (auto m : {Move::succeed, Move::skip, Move::fail, Move::retry, Move::release}) {
    auto t = find_transition(m, Status::in_progress);
    REQUIRE(t);
    CHECK(t->fenced);
  }
  // Cleanup and operators act on records they do not hold.
  CHECK_FALSE(find_transition(Move::expire, Status::in_progress)->fenced);
  CHECK_FALSE(find_transition(Move::rerun, Status::failed)->fenced);
  CHECK_FALSE(find_transition(Move::claim, Status::pending)->fenced);
  CHECK_FALSE(find_transition(Move::accept, Status::failed)->fenced);
}

TEST_CASE("an operator accepts only a FAILED window, as SUCCESS", "[store]") {
  const auto t = find_transition(Move::accept, Status::failed);
  REQUIRE(t);
  CHECK(t->to == Status::success);
  CHECK_FALSE(t->counts_attempt);
  for (auto s : {Status::pending, Status::in_progress, Status::success, Status::skipped}) {
    INFO(to_string(s));
    CHECK_FALSE(find_transition(Move::accept, s));
  }
  CHECK(to_string(Move::accept) == "accept");
}

TEST_CASE("attempts are counted by retries and expiries, not by drain releases", "[store]") {
  CHECK(find_transition(Move::retry, Status::in_progress)->counts_attempt);
  CHECK(find_transition(Move::expire, Status::in_progress)->counts_attempt);
  CHECK_FALSE(find_transition(Move::release, Status::in_progress)->counts_attempt);
  CHECK_FALSE(find_transition(Move::rerun, Status::in_progress));
  CHECK_FALSE(find_transition(Move::claim, Status::failed));
}
