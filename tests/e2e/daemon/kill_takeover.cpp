#include "tests/e2e/daemon/kill_takeover.hpp"

#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <thread>

#include "tests/e2e/daemon/harness.hpp"

using namespace std::chrono_literals;

namespace sluice::test {

std::string judged(std::int64_t old_rows, std::int64_t new_rows, const Expect& e) {
  if (old_rows == e.old_rows && new_rows == 0) return "untouched";
  if (old_rows == 0 && new_rows == e.new_rows) return "whole";
  return "partial: " + std::to_string(old_rows) + " old, " + std::to_string(new_rows) + " new";
}

std::set<std::string> kill_and_take_over(const TestDatabase& db, store::Connection& c,
                                         const std::filesystem::path& dir,
                                         const std::function<bool()>& loading,
                                         const std::function<std::string()>& look,
                                         bool strict_with_heir) {
  const auto record = [&] {
    const auto r = run_sql(c,
                           "SELECT pipeline_status || ' ' || coalesce(locked_by, '') || ' ' "
                           "|| retry_attempt FROM pipeline_records");
    return r.empty() ? std::string() : r[0][0].as<std::string>();
  };
  std::set<std::string> seen;
  {
    DaemonProcess victim(dir, db.url(), "victim");
    const std::string pid = ":" + std::to_string(victim.pid());
    const bool running =
        eventually([&] { return record().find("IN_PROGRESS") == 0 && loading(); }, 30s);
    INFO(victim.log());
    REQUIRE(running);
    CHECK(record().find(pid) != std::string::npos);
    victim.signal(SIGKILL);
    victim.wait();
  }
  // The server may finish the dead daemon's statement on its own: watch for a while.
  const auto until = std::chrono::steady_clock::now() + 6s;
  while (std::chrono::steady_clock::now() < until) {
    seen.insert(look());
    std::this_thread::sleep_for(100ms);
  }
  CHECK(seen == std::set<std::string>{"untouched"});
  DaemonProcess heir(dir, db.url(), "heir");
  const bool done = eventually(
      [&] {
        const auto state = look();
        if (strict_with_heir) seen.insert(state);
        return record().find("SUCCESS ") == 0;
      },
      120s);
  INFO(heir.log());
  CHECK(done);
  CHECK(look() == "whole");
  seen.insert(look());
  // The killed attempt counted.
  CHECK(count(c, "SELECT retry_attempt FROM pipeline_records") >= 1);
  heir.signal(SIGTERM);
  CHECK(heir.wait().exit_code == 0);
  return seen;
}

}  // namespace sluice::test
