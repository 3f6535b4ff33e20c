#pragma once
// One pipeline of fakes, the fake store and a Chain over them, for the chain's unit tests:
// windows are added to the store, claimed and run as a worker would.
#include <catch2/catch.hpp>

#include "tasks/chain.hpp"
#include "tests/support/fakes/fake_pipeline.hpp"
#include "tests/support/fakes/fake_records.hpp"

namespace sluice::test {

// A year after the fixture's windows: all of them stable.
inline const Instant kChainNow = kFakeStart + std::chrono::hours(24 * 365);

struct ChainRun {
  explicit ChainRun(bool streaming = false) : p(fake_pipeline("orders", streaming)) {}

  // Adds the `i`th window with `rows` source rows.
  RecordId add(int i, std::int64_t rows) {
    p.source->set_rows(FakePipeline::window(i).start, rows);
    return records.add(p.runtime->id, FakePipeline::window(i));
  }

  // Claims the oldest claimable window; fails the test when there is none.
  store::Record claim() {
    auto claimed = records.claim(limits());
    REQUIRE(claimed);
    REQUIRE(*claimed);
    return **claimed;
  }

  bool claimable() {
    auto claimed = records.claim(limits());
    REQUIRE(claimed);
    return claimed->has_value();
  }

  tasks::ChainOutcome run(const store::Record& record, tasks::Lease& lease) {
    return chain.run(record, *p.runtime, lease);
  }

  // Claims and runs the oldest claimable window with a lease of its own.
  tasks::ChainOutcome run() {
    last = claim();
    tasks::Lease lease;
    return run(last, lease);
  }

  std::vector<store::ClaimLimit> limits() const {
    return {{p.runtime->id, p.runtime->max_active_windows, p.runtime->max_active_backfill}};
  }

  FakeRecords records{kChainNow};
  FakePipeline p;
  // The backoff's draw is fixed: delays are exact.
  tasks::Chain chain{records, {[this] { return records.now(); }, [] { return 0.25; }}};
  store::Record last;  // the record run() claimed
};

}  // namespace sluice::test
