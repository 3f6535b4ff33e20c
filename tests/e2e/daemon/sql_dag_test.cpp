// The warehouse's three layers, end to end on two sluiced processes with 4 workers each:
// src_orders (an hourly copy from the shop's database) -> int_orders_clean (an hourly SQL
// pipeline dropping refunds) -> orders_fct_daily (a daily SQL aggregate in Europe/Zurich).
// `sluicectl deploy --with-children` makes the three tables on an empty warehouse; the fact
// table then equals the same aggregate computed by SQL over the shop's rows, on the 23-hour
// and the 25-hour day as on the others; no window is claimed before its upstream windows
// ended; a corrected source hour, rerun with --downstream, reaches the fact table.
#include <catch2/catch.hpp>

#include <signal.h>

#include "tests/e2e/daemon/dependency_order.hpp"
#include "tests/e2e/daemon/harness.hpp"
#include "tests/support/ctl.hpp"
#include "tests/support/files.hpp"
#include "tests/support/test_database.hpp"

using namespace sluice;
using namespace std::chrono_literals;

namespace {

// Three Zurich days around a change of clocks, and the hour of the middle day that gets a
// correction (UTC).
struct Span {
  std::string name;
  std::string first_day;   // start_date
  std::string end_day;     // end_date (exclusive)
  std::string dst_day;     // the middle day
  int dst_day_hours;       // 23 or 25
  int hourly_windows;      // local hours: the hour the clocks go back is one window of two
  std::string fixed_hour;  // where a window of dst_day starts, UTC
};

std::string windowing(const std::string& cron, const std::string& granularity, const Span& s) {
  return "schedule:\n  cron: \"" + cron +
         "\"\n  timezone: Europe/Zurich\nwindow:\n  granularity: " + granularity +
         "\n  start_date: \"" + s.first_day + "\"\n  end_date: \"" + s.end_day +
         "\"\nmax_active_windows: 8\n";
}

void write_dag(const std::filesystem::path& dir, const Span& s) {
  test::write_file(dir / "pipelines.d" / "src_orders.yaml", R"(id: src_orders
source:
  connection: shop
  table: orders
  time_column: paid_at
target:
  connection: db
  table: src_orders
ddl: |
  CREATE TABLE src_orders (order_id bigint, paid_at timestamptz NOT NULL, customer_id bigint,
                           total numeric(12, 2))
)" + windowing("0 * * * *", "1h", s));
  test::write_file(dir / "pipelines.d" / "int_orders_clean.yaml", R"(id: int_orders_clean
kind: sql
depends_on: [src_orders]
target:
  connection: db
  table: int_orders_clean
  time_column: paid_at
sql:
  insert: |
    INSERT INTO int_orders_clean (order_id, paid_at, customer_id, total)
    SELECT order_id, paid_at, customer_id, total FROM src_orders
     WHERE paid_at >= :window_start AND paid_at < :window_end AND total > 0
  count: |
    SELECT count(*) FROM src_orders
     WHERE paid_at >= :window_start AND paid_at < :window_end AND total > 0
ddl: |
  CREATE TABLE int_orders_clean (order_id bigint PRIMARY KEY, paid_at timestamptz NOT NULL,
                                 customer_id bigint, total numeric(12, 2) NOT NULL)
)" + windowing("5 * * * *", "1h", s));
  test::write_file(dir / "pipelines.d" / "orders_fct_daily.yaml", R"(id: orders_fct_daily
kind: sql
depends_on: [int_orders_clean]
target:
  connection: db
  table: orders_fct_daily
  time_column: day_start
sql:
  insert: |
    INSERT INTO orders_fct_daily (day, day_start, orders, revenue, hours)
    SELECT :target_day, :window_start, count(*), coalesce(sum(total), 0),
           count(DISTINCT date_trunc('hour', paid_at))
      FROM int_orders_clean
     WHERE paid_at >= :window_start AND paid_at < :window_end
ddl: |
  CREATE TABLE orders_fct_daily (day date PRIMARY KEY, day_start timestamptz NOT NULL,
                                 orders bigint NOT NULL, revenue numeric(14, 2) NOT NULL,
                                 hours int NOT NULL)
)" + windowing("30 1 * * *", "1d", s));
}

// `day|orders|revenue|hours` lines, by day.
std::string rows_text(store::Connection& c, const std::string& sql) {
  std::string out;
  for (const auto& row : test::run_sql(c, sql))
    out += row[0].as<std::string>() + "|" + row[1].as<std::string>() + "|" +
           row[2].as<std::string>() + "|" + row[3].as<std::string>() + "\n";
  return out;
}

}  // namespace

TEST_CASE("a three-level SQL DAG in Europe/Zurich equals the direct aggregate of its source",
          "[e2e][daemon][dependencies][sql]") {
  const Span span = GENERATE(
      Span{"spring", "2025-03-29", "2025-04-01", "2025-03-30", 23, 71, "2025-03-30T01:00:00Z"},
      Span{"autumn", "2025-10-25", "2025-10-28", "2025-10-26", 25, 72, "2025-10-26T00:00:00Z"});
  INFO(span.name);
  test::TestDatabase warehouse;
  test::TestDatabase shop;
  auto w = test::prepared(warehouse, "SELECT 1");
  auto s = shop.connect();
  // An order every 7 minutes from two hours before the first day to two hours after the last,
  // one in nine a refund (total < 0); the first lands on a whole hour.
  test::run_sql(*s,
                "CREATE TABLE orders (order_id bigint, paid_at timestamptz, customer_id "
                "bigint, total numeric(12, 2))");
  test::run_sql(*s,
                "INSERT INTO orders SELECT row_number() OVER (), t, "
                "extract(epoch FROM t)::bigint % 17, ((extract(epoch FROM t)::bigint / 420) "
                "% 200 + 1) / 4.0 * (CASE WHEN (extract(epoch FROM t)::bigint / 420) % 9 = "
                "0 THEN -1 ELSE 1 END) FROM generate_series(timestamptz '" +
                    span.first_day + " 00:00 Europe/Zurich' - interval '2 hours', timestamptz '" +
                    span.end_day +
                    " 00:00 Europe/Zurich' + interval '2 hours', "
                    "interval '7 minutes') t");
  const std::string direct =
      "SELECT (paid_at AT TIME ZONE 'Europe/Zurich')::date, count(*), sum(total), "
      "count(DISTINCT date_trunc('hour', paid_at)) FROM orders WHERE total > 0 AND paid_at >= "
      "timestamptz '" +
      span.first_day + " 00:00 Europe/Zurich' AND paid_at < timestamptz '" + span.end_day +
      " 00:00 Europe/Zurich' GROUP BY 1 ORDER BY 1";
  const std::string fact = "SELECT day, orders, revenue, hours FROM orders_fct_daily ORDER BY day";

  test::TempDir dir;
  test::DaemonSettings settings;
  settings.workers = 4;
  settings.connections = "  shop:\n    kind: postgres\n    url: " + shop.url() + "\n";
  test::write_daemon_file(dir.path(), settings);
  write_dag(dir.path(), span);
  const auto ctl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"-c", (dir.path() / "sluice.yaml").string()});
    return test::run_process(test::ctl_argv(args), {{"SLUICE_DATABASE_URL", warehouse.url()}});
  };

  // An empty warehouse: the three tables, parents first.
  const auto deployed = ctl({"deploy", "src_orders", "--with-children"});
  INFO(deployed.out << deployed.err);
  REQUIRE(deployed.exit_code == 0);
  CHECK(deployed.out.find("src_orders") < deployed.out.find("int_orders_clean"));
  CHECK(deployed.out.find("int_orders_clean") < deployed.out.find("orders_fct_daily"));
  CHECK(test::count(*w,
                    "SELECT count(*) FROM pg_class WHERE relkind = 'r' AND relname IN "
                    "('src_orders', 'int_orders_clean', 'orders_fct_daily')") == 3);

  const auto successes = [&](const std::string& pipeline) {
    return test::count(*w, "SELECT count(*) FROM pipeline_records WHERE pipeline_id = '" +
                               pipeline + "' AND pipeline_status IN ('SUCCESS', 'SKIPPED')");
  };
  const auto hours = span.hourly_windows;
  test::DaemonProcess first(dir.path(), warehouse.url(), "first");
  test::DaemonProcess second(dir.path(), warehouse.url(), "second");
  const bool loaded = test::eventually(
      [&] {
        return successes("src_orders") == hours && successes("int_orders_clean") == hours &&
               successes("orders_fct_daily") == 3;
      },
      180s);
  INFO(first.log() << second.log());
  INFO(rows_text(*w,
                 "SELECT pipeline_id, pipeline_status, count(*), min(window_start_time) FROM "
                 "pipeline_records GROUP BY 1, 2 ORDER BY 1, 2"));
  INFO(ctl({"status"}).out);
  REQUIRE(loaded);
  const auto expected = rows_text(*s, direct);
  CHECK(rows_text(*w, fact) == expected);
  CHECK(test::count(*w, "SELECT hours FROM orders_fct_daily WHERE day = '" + span.dst_day + "'") ==
        span.dst_day_hours);
  CHECK(test::count(*w, "SELECT count(*) FROM int_orders_clean WHERE total <= 0") == 0);
  CHECK(test::count(*w,
                    "SELECT count(*) FROM pipeline_records WHERE pipeline_status NOT IN "
                    "('SUCCESS', 'SKIPPED')") == 0);
  INFO(rows_text(*w, test::kEarlyClaimDetails));
  CHECK(test::count(*w, test::kEarlyClaims) == 0);

  // A correction at the source, in an hour of the middle day: rerun it and what depends on it.
  test::run_sql(*s, "UPDATE orders SET total = total + 1000 WHERE paid_at >= '" + span.fixed_hour +
                        "' AND paid_at < timestamptz '" + span.fixed_hour +
                        "' + interval '1 hour'");
  const auto corrected = rows_text(*s, direct);
  REQUIRE(corrected != expected);
  const auto rerun =
      ctl({"rerun", "src_orders", "--window", span.fixed_hour, "--downstream", "--force", "-y"});
  INFO(rerun.out << rerun.err);
  REQUIRE(rerun.exit_code == 0);
  CHECK(rerun.out.find("int_orders_clean") != std::string::npos);
  CHECK(rerun.out.find("orders_fct_daily") != std::string::npos);
  CHECK(test::eventually([&] { return rows_text(*w, fact) == corrected; }, 120s));
  CHECK(test::eventually([&] { return successes("orders_fct_daily") == 3; }, 60s));
  CHECK(test::count(*w, test::kEarlyClaims) == 0);

  first.signal(SIGTERM);
  second.signal(SIGTERM);
  CHECK(first.wait().exit_code == 0);
  CHECK(second.wait().exit_code == 0);
}
