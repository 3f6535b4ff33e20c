// The generate source: every row's timestamp lies inside its window, in order, up to the
// largest rows_per_window and the longest window (1mo, 31 days) the config accepts.
#include <catch2/catch.hpp>

#include <date/date.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <sstream>

#include "framework/adapters/generate/generate.hpp"
#include "framework/adapters/registry.hpp"
#include "tests/unit/time/helpers.hpp"

using namespace sluice;
using sluice::time::test::utc;

namespace {

std::int64_t max_rows_per_window() {
  const auto* key = adapters::generate_adapter().source_keys.front()->find("rows_per_window");
  REQUIRE(key);
  REQUIRE(key->max);
  return static_cast<std::int64_t>(*key->max);
}

// Takes the COPY text blocks and checks each row's timestamp as it comes.
class TimeCheckSink final : public adapters::RowSink {
 public:
  explicit TimeCheckSink(Window w) : window_(w), last_(w.start) {}
  Result<void> begin(std::span<const adapters::Column>) override { return {}; }
  Result<void> row(std::span<const adapters::Field>) override { return {}; }
  Result<void> copy_block(std::string_view block, std::int64_t rows) override {
    std::size_t at = 0;
    for (std::int64_t r = 0; r < rows; ++r) {
      const auto tab = block.find('\t', at);
      const auto end = block.find('\t', tab + 1);
      std::istringstream in(std::string(block.substr(tab + 1, end - tab - 1)));
      date::sys_time<std::chrono::microseconds> t;
      in >> date::parse("%Y-%m-%d %H:%M:%S+00", t);
      if (in.fail()) ++bad;
      if (t < window_.start || t >= window_.end) ++outside;
      if (t < last_) ++backwards;
      last_ = t;
      ++seen;
      at = block.find('\n', end) + 1;
    }
    return {};
  }
  Result<void> end() override { return {}; }

  std::int64_t seen = 0, bad = 0, outside = 0, backwards = 0;

 private:
  Window window_;
  date::sys_time<std::chrono::microseconds> last_;
};

std::int64_t micros(Seconds s) {
  return std::chrono::duration_cast<std::chrono::microseconds>(s).count();
}

}  // namespace

TEST_CASE("spread: rows of the largest count over the longest window stay inside, in order",
          "[adapters][generate]") {
  const std::int64_t n = max_rows_per_window();
  CHECK(n == 1'000'000'000'000);
  // 31-day months (the longest `1mo` window), a leap February, a 1s window.
  for (const Window w : {Window{utc(2024, 1, 1), utc(2024, 2, 1)},
                         Window{utc(9999, 12, 1), utc(9999, 12, 31) + std::chrono::hours(24)},
                         Window{utc(2024, 2, 1), utc(2024, 3, 1)},
                         Window{utc(2024, 1, 1), utc(2024, 1, 1) + Seconds(1)}}) {
    const std::int64_t length = micros(w.length());
    INFO("window length " << length << " us");
    std::mt19937_64 random(42);
    std::vector<std::int64_t> rows{0, 1, 2, 3'500'000, n / 3, n / 2, n - 2, n - 1};
    for (int k = 0; k < 2000; ++k) rows.push_back(static_cast<std::int64_t>(random() % n));
    std::sort(rows.begin(), rows.end());
    std::int64_t last = 0;
    for (const std::int64_t i : rows) {
      const std::int64_t at = adapters::generate::spread(length, i, n);
      INFO("row " << i << " at " << at);
      CHECK(at >= last);
      CHECK(at >= 0);
      CHECK(at < length);
      // Exact: floor(length * i / n), checked against long double (64-bit mantissa) within 1.
      const long double exact = static_cast<long double>(length) * i / n;
      CHECK(std::abs(static_cast<long double>(at) - exact) <= 1.0L);
      last = at;
    }
    CHECK(adapters::generate::spread(length, n - 1, n) >= length - length / n - 1);
  }
  // The report's case: 3.5 M rows in a month, whose product overflowed into the month before.
  const std::int64_t month = micros(utc(2024, 2, 1) - utc(2024, 1, 1));
  CHECK(adapters::generate::spread(month, 3'499'999, 3'500'000) ==
        month / 3'500'000 * 3'499'999 + month % 3'500'000 * 3'499'999 / 3'500'000);
}

TEST_CASE("row ids never overflow, even with the largest seed", "[adapters][generate]") {
  const Instant start = utc(2024, 1, 1);
  CHECK(adapters::generate::row_id(start, 7, 3) == 1'704'067'200'000'000 + 10);
  const auto big = std::numeric_limits<std::int64_t>::max();
  // Wraps modulo 2^64 (defined), distinct for distinct rows.
  CHECK(adapters::generate::row_id(start, big, 1) != adapters::generate::row_id(start, big, 2));
}

TEST_CASE("extract: every generated timestamp lies in its window and never goes back",
          "[adapters][generate]") {
  struct Case {
    Window window;
    std::int64_t rows;
    std::int64_t seed;
  };
  const auto max_seed = std::numeric_limits<std::int64_t>::max();
  for (const auto& c : {Case{{utc(2024, 1, 1), utc(2024, 2, 1)}, 12'000, 0},
                        Case{{utc(2024, 2, 1), utc(2024, 3, 1)}, 10'003, max_seed},
                        Case{{utc(2024, 1, 1), utc(2024, 1, 1) + Seconds(1)}, 5'000, 1},
                        Case{{utc(9999, 12, 1), utc(9999, 12, 31, 23)}, 3'007, 5}}) {
    INFO(c.rows << " rows from " << c.window.start.time_since_epoch().count());
    auto source = adapters::generate::make_source({.rows_per_window = c.rows, .seed = c.seed});
    TimeCheckSink sink(c.window);
    const auto n = source->extract(
        {.pipeline = PipelineId{"p"}, .window = c.window, .run = RunId{"r"}, .zone = nullptr},
        sink);
    REQUIRE(n);
    CHECK(*n == c.rows);
    CHECK(sink.seen == c.rows);
    CHECK(sink.bad == 0);
    CHECK(sink.outside == 0);
    CHECK(sink.backwards == 0);
  }
}
