#include "tests/support/claim_fixture.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include "framework/core/instant.hpp"

namespace sluice::test {

void ClaimFixture::hours_of(store::Connection& c, const std::string& pipeline,
                            const std::string& from, int count, const std::string& trigger,
                            const std::string& status) {
  run_sql(c, fmt::format(R"(
    INSERT INTO pipeline_records (pipeline_id, target_day, window_start_time, window_end_time,
        time_interval, trigger, pipeline_status)
    SELECT '{0}', '2024-01-01', t, t + interval '1 hour', '1h', '{3}', '{4}'
      FROM generate_series('{1}'::timestamptz, '{1}'::timestamptz + ({2} - 1) * interval '1 hour',
                           interval '1 hour') AS t)",
                         pipeline, from, count, trigger, status));
}

std::vector<store::Record> ClaimFixture::claim_batch(store::Records& records,
                                                     const std::vector<store::ClaimLimit>& limits,
                                                     int max) {
  auto r = records.claim_windows(limits, max);
  REQUIRE(r);
  return *r;
}

store::ClaimLimit ClaimFixture::limit(const std::string& pipeline, int live, int backfill,
                                      int priority) {
  return {
      .pipeline = PipelineId{pipeline}, .live = live, .backfill = backfill, .priority = priority};
}

store::ClaimLimit ClaimFixture::in_pool(const std::string& pipeline, const std::string& pool,
                                        int size, int slots, int priority) {
  return {.pipeline = PipelineId{pipeline},
          .live = 10,
          .backfill = 10,
          .pool = pool,
          .pool_slots = slots,
          .pool_size = size,
          .priority = priority};
}

std::string ClaimFixture::names(const std::vector<store::Record>& windows) {
  std::string out;
  for (const auto& r : windows)
    out += (out.empty() ? "" : ", ") + r.pipeline.value + " " +
           format_utc(r.window.start).substr(11, 2);
  return out;
}

std::int64_t ClaimFixture::running(store::Connection& c, const std::string& pipeline) {
  return count(c,
               "SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'IN_PROGRESS' AND "
               "pipeline_id = '" +
                   pipeline + "'");
}

std::int64_t ClaimFixture::slots_in_use(store::Connection& c, const std::string& pool) {
  return count(c,
               "SELECT coalesce(sum(pool_slots), 0) FROM pipeline_records WHERE "
               "pipeline_status = 'IN_PROGRESS' AND pool = '" +
                   pool + "'");
}

}  // namespace sluice::test
