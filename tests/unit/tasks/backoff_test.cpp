#include <catch2/catch.hpp>

#include "tasks/backoff.hpp"

using namespace sluice::tasks;
using std::chrono::seconds;

TEST_CASE("backoff doubles from the base, is capped, and jitters only its upper half", "[tasks]") {
  const BackoffPolicy p{seconds(30), seconds(600)};
  struct Case {
    const char* name;
    int attempt;
    double draw;
    long expected;
  };
  for (auto c : {Case{"first retry, no jitter", 1, 0.0, 15},
                 Case{"first retry, max jitter", 1, 0.999999, 30}, Case{"second retry", 2, 0.0, 30},
                 Case{"third retry, half jitter", 3, 0.5, 90}, Case{"capped", 10, 0.0, 300},
                 Case{"capped, max jitter", 10, 0.999999, 600},
                 Case{"huge attempt stays capped", 5000, 0.5, 450},
                 Case{"attempt 0 treated as the first", 0, 0.0, 15},
                 Case{"draw out of range is clamped", 2, 7.0, 60}}) {
    INFO(c.name);
    CHECK(backoff_delay(p, c.attempt, c.draw).count() == c.expected);
  }
}

TEST_CASE("backoff is monotonic in the attempt for a fixed draw", "[tasks]") {
  const BackoffPolicy p{seconds(7), seconds(3600)};
  long previous = 0;
  for (int attempt = 1; attempt < 40; ++attempt) {
    const long d = backoff_delay(p, attempt, 0.25).count();
    CHECK(d >= previous);
    previous = d;
  }
  CHECK(previous == backoff_delay(p, 1000, 0.25).count());
}

TEST_CASE("a waiting window's next check is as long as it waited, within base and cap",
          "[tasks][run_if]") {
  const BackoffPolicy p{seconds(30), seconds(600)};
  struct Case {
    const char* name;
    long waited, left;
    double draw;
    long expected;
  };
  for (auto c : {Case{"first check: the base", 0, 86400, 0.0, 15},
                 Case{"first check, max jitter", 0, 86400, 0.999999, 30},
                 Case{"below the base: the base", 20, 86400, 0.0, 15},
                 Case{"as long as it waited", 100, 86400, 0.0, 50},
                 Case{"as long as it waited, half jitter", 100, 86400, 0.5, 75},
                 Case{"capped", 7200, 86400, 0.0, 300},
                 Case{"capped, max jitter", 7200, 86400, 0.999999, 600},
                 Case{"never past give_up_after", 7200, 40, 0.999999, 40},
                 Case{"at least a second", 7200, 0, 0.5, 1},
                 Case{"a negative wait is no wait", -50, 86400, 0.0, 15},
                 Case{"draw out of range is clamped", 100, 86400, 9.0, 100}}) {
    INFO(c.name);
    CHECK(condition_wait_delay(p, seconds(c.waited), seconds(c.left), c.draw).count() ==
          c.expected);
  }
}

TEST_CASE("checks of a waiting window thin out: the total wait grows geometrically",
          "[tasks][run_if]") {
  const BackoffPolicy p{seconds(1), seconds(100000)};
  long waited = 0;
  int checks = 0;
  while (waited < 86400) {
    waited += condition_wait_delay(p, seconds(waited), seconds(86400 - waited), 0.5).count();
    ++checks;
  }
  CHECK(waited == 86400);  // the last check falls when the wait ends
  CHECK(checks < 40);      // a day of waiting, not a check a second
}
