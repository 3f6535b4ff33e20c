#pragma once
// What the outbox tests share: registering a pipeline's kinds, a window ending as the chain's
// fenced write records it, and a webhook configuration pointing at a local sink.
#include <catch2/catch.hpp>

#include <functional>
#include <thread>

#include "framework/notify/notifier.hpp"
#include "framework/store/registry.hpp"
#include "tests/support/test_database.hpp"

namespace sluice::test::outbox {

using namespace std::chrono_literals;
using namespace sluice::notify;

constexpr const char* kSecretUrlPart = "T0KEN-in-the-path";
constexpr const char* kSigningKey = "signing-key-0123456789";

inline void register_kinds(sluice::store::Connection& c, const std::string& pipeline,
                           std::vector<std::string> kinds) {
  const std::vector<sluice::store::PipelineRegistration> r{
      {pipeline, "hash", std::chrono::minutes(5), std::move(kinds)}};
  REQUIRE(sluice::store::register_pipelines(c, r, "test:1") == 1);
}

// A window of `pipeline` at hour `hour` of 2024-03-10 ends with `to` after `task`, as the
// chain's fenced write records it: the record and its event, in one statement.
inline void finish_window(sluice::store::Connection& c, const std::string& pipeline, int hour,
                          const std::string& to = "FAILED", const std::string& outcome = "FAILED",
                          const std::string& task = "source_to_stage") {
  test::run_sql(c, fmt::format(R"(
    WITH r AS (
      INSERT INTO pipeline_records (pipeline_id, target_day, window_start_time, window_end_time,
          time_interval, pipeline_status, dag_run_id, error_message)
      VALUES ('{0}', '2024-03-10', '2024-03-10T00:00Z'::timestamptz + {1} * interval '1 hour',
              '2024-03-10T01:00Z'::timestamptz + {1} * interval '1 hour', '1h', '{2}',
              'run-{0}-{1}', 'permanent: boom {1}')
      RETURNING id, pipeline_id)
    INSERT INTO pipeline_events (record_id, pipeline_id, dag_run_id, task, from_status,
                                 to_status, outcome, message)
    SELECT id, pipeline_id, 'run-{0}-{1}', '{4}', 'IN_PROGRESS', '{2}', '{3}',
           'permanent: boom {1}' FROM r)",
                               pipeline, hour, to, outcome, task));
}

// Hours `first` to `last` of `pipeline` fail as finish_window records them, in one statement:
// a thousand failures then land well inside a digest interval, even on a loaded machine.
inline void fail_windows(sluice::store::Connection& c, const std::string& pipeline, int first,
                         int last) {
  test::run_sql(c, fmt::format(R"(
    WITH r AS (
      INSERT INTO pipeline_records (pipeline_id, target_day, window_start_time, window_end_time,
          time_interval, pipeline_status, dag_run_id, error_message)
      SELECT '{0}', '2024-03-10', '2024-03-10T00:00Z'::timestamptz + h * interval '1 hour',
             '2024-03-10T01:00Z'::timestamptz + h * interval '1 hour', '1h', 'FAILED',
             'run-{0}-' || h, 'permanent: boom ' || h
        FROM generate_series({1}, {2}) h
      RETURNING id, pipeline_id, dag_run_id, error_message)
    INSERT INTO pipeline_events (record_id, pipeline_id, dag_run_id, task, from_status,
                                 to_status, outcome, message)
    SELECT id, pipeline_id, dag_run_id, 'source_to_stage', 'IN_PROGRESS', 'FAILED', 'FAILED',
           error_message FROM r)",
                               pipeline, first, last));
}

inline std::int64_t outbox_rows(sluice::store::Connection& c, const std::string& where = "true") {
  return test::count(c, "SELECT count(*) FROM notifications WHERE " + where);
}

inline sluice::config::Config webhook_config(const std::string& url,
                                             std::vector<std::string> pipelines,
                                             std::chrono::seconds digest = 0s) {
  sluice::config::Config c;
  c.daemon.notifications.digest_interval = digest;
  c.daemon.notifications.retry_delay = 1s;
  c.daemon.notifications.max_retry_delay = 2s;
  c.daemon.notifications.max_attempts = 5;
  c.daemon.http.public_url = "https://sluice.example";
  for (const auto& id : pipelines) {
    sluice::config::PipelineConfig p;
    p.id = PipelineId{id};
    p.zone = *time::locate_zone("Europe/Paris");
    p.notifications.webhooks.push_back(
        {.name = "sink",
         .url = sluice::config::Secret::literal(url + "/hook/" + kSecretUrlPart,
                                                sluice::config::Secrecy::opaque),
         .events = {"failure", "retry"},
         .secret = sluice::config::Secret::literal(kSigningKey, sluice::config::Secrecy::opaque),
         .timeout = 5000ms});
    c.pipelines.push_back(std::move(p));
  }
  return c;
}

// Passes until `done` or 20 s.
inline void pass_until(Outbox& outbox, const Directory& d, const std::function<bool()>& done) {
  const auto until = std::chrono::steady_clock::now() + 20s;
  while (!done() && std::chrono::steady_clock::now() < until) {
    auto r = run_pass(outbox, d, wire_sender(d), {}, false);
    REQUIRE(r);
    std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(r->next, 200ms));
  }
}

}  // namespace sluice::test::outbox
