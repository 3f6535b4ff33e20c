// Several worker processes on one database: every window is done exactly once, and stays
// exactly once when workers are killed with SIGKILL in the middle of moving data.
#include <catch2/catch.hpp>

#include <thread>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>

#include "tests/support/chain_fixture.hpp"

using namespace sluice;
using namespace std::chrono_literals;

namespace {

using test::kNow;

// A child process that claims and runs windows until none is claimable, then exits.
pid_t spawn_worker(const test::ChainFixture& f, std::shared_ptr<tasks::PipelineRuntime> p) {
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    tasks::Runner runner(f.runner_options(1), {std::move(p)});
    const auto summary = runner.drain();
    _exit(summary.store_errors == 0 ? 0
                                    : 3);  // _exit: the parent's fixtures are not ours to destroy
  }
  return pid;
}

std::string hostname() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return host;
}

// Pairs of different run IDs whose holds of the same record overlap in time. A hold runs
// from a run's claim to its last event (for an expired run: the cleanup's event).
std::int64_t overlapping_holds(const test::ChainFixture& f) {
  return f.count(
      "WITH holds AS (SELECT record_id, dag_run_id, min(started_at) AS s, max(ended_at) AS e "
      "                 FROM pipeline_events WHERE dag_run_id IS NOT NULL GROUP BY 1, 2) "
      "SELECT count(*) FROM holds a JOIN holds b ON a.record_id = b.record_id "
      " AND a.dag_run_id < b.dag_run_id AND a.s < b.e AND b.s < a.e");
}

}  // namespace

TEST_CASE("4 worker processes over 500 windows: each window SUCCESS once, rows exact",
          "[integration][chain][slow]") {
  test::ChainFixture f;
  f.seed_source(500, 4);
  auto p = f.pipeline(500);
  tasks::Runner runner(f.runner_options(1), {p});
  REQUIRE(*runner.generate(kNow) == 500);
  std::vector<pid_t> workers;
  for (int i = 0; i < 4; ++i) workers.push_back(spawn_worker(f, p));
  for (pid_t pid : workers) {
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'SUCCESS' AND "
                "retry_attempt = 0") == 500);
  CHECK(f.count("SELECT count(*) FROM pipeline_events WHERE task = 'claim'") == 500);
  CHECK(f.count("SELECT count(DISTINCT locked_by) FROM pipeline_records") >=
        2);  // the work was shared
  CHECK(f.source_target_difference() == 0);
  CHECK(f.count(
            "SELECT count(*) FROM pipeline_records WHERE target_count <> 4 OR source_count <> 4") ==
        0);
  CHECK(overlapping_holds(f) == 0);
}

TEST_CASE("kill -9 of workers during source->stage and stage->target loses and doubles nothing",
          "[integration][chain][slow]") {
  test::ChainFixture f;
  // Windows long enough (about 60 ms each under the sanitizers) that 20 kills find a worker
  // moving data before the 300 windows are done.
  constexpr int kRows = 10000;
  f.seed_source(300, kRows);
  auto p = f.pipeline(300);
  p->max_retries = 1000;
  p->stale_threshold = 2s;
  p->max_active_windows = 1000;  // killed workers hold their windows until cleanup
  tasks::Runner runner(f.runner_options(1), {p});
  REQUIRE(*runner.generate(kNow) == 300);

  std::mt19937 random(std::random_device{}());
  std::vector<pid_t> workers;
  for (int i = 0; i < 4; ++i) workers.push_back(spawn_worker(f, p));
  const std::string host = hostname();
  // Each round picks, at random, a worker the database shows moving data right now
  // (phase PRE_VALIDATION: source->stage running, and with it the streamed load;
  // SOURCE_TO_STAGE: stage->target running), waits a random few milliseconds into that task,
  // and kills it with SIGKILL. A kill counts when the worker died holding a window: one that
  // had just finished its window and not yet claimed the next holds nothing to recover.
  int kills_in_flight = 0, attempts = 0;
  while (kills_in_flight < 20 && attempts < 2000) {
    ++attempts;
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 40)(random)));
    std::string holder;
    {
      auto c = f.db().connect();
      const auto rows = test::run_sql(
          *c,
          "SELECT locked_by FROM pipeline_records WHERE pipeline_status = 'IN_PROGRESS' "
          "AND phase_completed IN ('PRE_VALIDATION', 'SOURCE_TO_STAGE') ORDER BY random() LIMIT 1");
      if (rows.empty()) continue;
      holder = rows[0][0].as<std::string>();
    }
    std::size_t victim = workers.size();
    for (std::size_t i = 0; i < workers.size(); ++i)
      if (holder == host + ":" + std::to_string(workers[i])) victim = i;
    if (victim == workers.size()) continue;  // held by a worker killed a moment ago
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 15)(random)));
    kill(workers[victim], SIGKILL);
    int status = 0;
    waitpid(workers[victim], &status, 0);
    if (WIFSIGNALED(status) && f.count("SELECT count(*) FROM pipeline_records WHERE "
                                       "pipeline_status = 'IN_PROGRESS' AND locked_by = '" +
                                       holder + "'") > 0)
      ++kills_in_flight;
    workers[victim] = spawn_worker(f, p);
  }
  INFO("kill attempts: " << attempts);
  CHECK(kills_in_flight >= 20);
  for (pid_t pid : workers) waitpid(pid, nullptr, 0);

  // Leases of the killed workers expire; cleanup and retries finish the rest.
  for (int round = 0; round < 30; ++round) {
    if (f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status <> 'SUCCESS'") == 0)
      break;
    std::this_thread::sleep_for(1s);
    REQUIRE(runner.run_once(kNow));
  }
  CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'SUCCESS'") == 300);
  CHECK(f.count("SELECT count(*) FROM pipeline_events WHERE task = 'stale_lock_cleanup'") >= 20);
  CHECK(f.source_target_difference() == 0);
  CHECK(f.count("SELECT count(*) FROM (SELECT id FROM dst GROUP BY id HAVING count(*) > 1) d") ==
        0);
  CHECK(f.count("SELECT count(*) FROM dst") == 300 * kRows);
  CHECK(overlapping_holds(f) == 0);
}
