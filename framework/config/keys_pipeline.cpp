// A pipeline file's keys (pipelines.d/NAME.yaml), and the keys every connection, source and
// target has before its adapter's own.
#include <algorithm>
#include <cctype>

#include "framework/adapters/common_keys.hpp"
#include "framework/adapters/registry.hpp"
#include "framework/config/keys.hpp"
#include "framework/schema/key_table.hpp"
#include "framework/transform/transform.hpp"

namespace sluice::config {
namespace {

bool word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

std::string check_pipeline_id(std::string_view text) {
  const bool ok = !text.empty() && text.size() <= 63 &&
                  std::isalnum(static_cast<unsigned char>(text.front())) &&
                  std::all_of(text.begin(), text.end(),
                              [](char c) { return word_char(c) || c == '.' || c == '-'; });
  if (ok) return {};
  return "a pipeline id is 1 to 63 letters, digits, '_', '.' or '-', starting with a letter or "
         "digit";
}

std::string check_field_name(std::string_view text) {
  const bool ok = !text.empty() && text.size() <= 63 &&
                  !std::isdigit(static_cast<unsigned char>(text.front())) &&
                  std::all_of(text.begin(), text.end(), word_char);
  if (ok) return {};
  return "a business field name is letters, digits and '_', not starting with a digit";
}

const KeyTable& schedule_keys() {
  static const KeyTable t{
      "pipeline.schedule",
      "When the scheduler looks for due windows (what is due is the window's business).",
      {
          {.name = "cron",
           .type = KeyType::cron,
           .description = "5-field cron (or `@hourly`...) evaluated in `timezone`.",
           .default_value = "'*/5 * * * *'"},
          {.name = "timezone",
           .type = KeyType::zone,
           .description = "Zone of the cron and of the windows' boundaries and labels.",
           .default_value = "(daemon timezone)"},
      }};
  return t;
}

const KeyTable& window_keys() {
  static const KeyTable t{
      "pipeline.window",
      "The windows: `[start, end)`, local wall-clock multiples of the granularity.",
      {
          {.name = "granularity",
           .type = KeyType::granularity,
           .description = "Window size: under a day it divides 24h (`15m`, `2h`); else `1d`, "
                          "`1w` or `1mo`.",
           .required = true},
          {.name = "x_time_back",
           .type = KeyType::duration,
           .description = "Stability lag: a window is due once `end + x_time_back <= now`.",
           .default_value = "0s",
           .min = 0,
           .calendar = true},
          {.name = "start_date",
           .type = KeyType::instant,
           .description = "First window starts at the first boundary at or after this (a bare "
                          "date is local midnight in the pipeline's zone).",
           .required = true},
          {.name = "end_date",
           .type = KeyType::instant,
           .description = "No window ends after this. Unset: open-ended."},
          {.name = "catchup",
           .type = KeyType::boolean,
           .description = "Create every missed window; `false`: only the newest due one.",
           .default_value = "true"},
      }};
  return t;
}

// Names the target kinds from their registration rows: a kind that starts to report its
// loads' rows is documented with them.
const std::string& target_count_description() {
  static const std::string text =
      std::string(
          "The target's side of the comparison. `recount`: the target's window counted "
          "again after the load commits (append: less its count before the load). "
          "`loaded`: the rows the target's server said the load's own transaction wrote "
          "(PostgreSQL: COPY's or INSERT's row count; MariaDB: LOAD DATA's affected "
          "rows), which costs no count; it catches "
          "rows lost between source and target (a trigger that drops rows too), not rows "
          "another writer removes after the commit (README, The audit's target count). "
          "Only for targets that report it (") +
      adapters::loaded_count_kinds() +
      "), with load `replace_window` or `append`, and not in SQL pipelines.";
  return text;
}

const KeyTable& audit_keys() {
  static const KeyTable t{
      "pipeline.audit",
      "The count check after loading.",
      {
          {.name = "max_difference_pct",
           .type = KeyType::number,
           .description = "Largest |source - target| / source, in percent, that still passes.",
           .default_value = "0",
           .min = 0,
           .max = 100},
          {.name = "target_count",
           .type = KeyType::choice,
           .description = target_count_description(),
           .default_value = "recount",
           .choices = {"recount", "loaded"}},
      }};
  return t;
}

const KeyTable& sql_keys() {
  static const KeyTable t{
      "pipeline.sql",
      "The statements of a SQL pipeline (`kind: sql`), run on the target's server for each "
      "window. `:window_start`, `:window_end` (timestamps) and `:target_day` (the local date of "
      "the window's start) are bound as typed values, never pasted into the text; inside a "
      "string, a quoted name or a comment they are text. One statement per key.",
      {
          {.name = "insert",
           .type = KeyType::string,
           .description = "`INSERT INTO <target.table> ... SELECT ... WHERE t >= :window_start "
                          "AND t < :window_end`: the window's rows. Every row it inserts must "
                          "fall in the window by `target.time_column`, or the window is refused "
                          "and nothing kept (the next run's delete could not remove them).",
           .required = true},
          {.name = "delete",
           .type = KeyType::string,
           .description = "Removes the window's old rows before the insert, in the same "
                          "transaction (ClickHouse: README, SQL pipelines).",
           .default_value = "(rows with target.time_column in the window)"},
          {.name = "count",
           .type = KeyType::string,
           .description = "A query returning one number: the rows the window should hold. "
                          "Pre-validation skips a window whose target already holds that many "
                          "(more than 0); the audit compares it with the target's count "
                          "(`audit.max_difference_pct`). Unset: no window is skipped, and the "
                          "audit compares the rows inserted with the target's count."},
      }};
  return t;
}

const KeyTable& retries_keys() {
  static const KeyTable t{
      "pipeline.retries",
      "Retries of a failed window: capped exponential backoff with jitter.",
      {
          {.name = "max",
           .type = KeyType::integer,
           .description = "Retries after the first attempt (the seed's `max_retry_task`).",
           .default_value = "3",
           .min = 0,
           .max = 100},
          {.name = "base_delay",
           .type = KeyType::duration,
           .description = "Delay before the first retry; doubled at each retry.",
           .default_value = "30s"},
          {.name = "max_delay",
           .type = KeyType::duration,
           .description = "Longest delay between retries.",
           .default_value = "10m"},
      }};
  return t;
}

// Tasks by the names events and logs give them; store_validate takes no time worth a limit.
const KeyTable& task_keys() {
  static const KeyTable t{
      "pipeline.tasks.TASK",
      "One task's limits.",
      {
          {.name = "timeout",
           .type = KeyType::duration,
           .description = "Longest the task may take, from its start. Past it, as past the "
                          "pipeline's `timeout` (which still bounds it), its running statement "
                          "is cancelled and the window retried. Unset: only the pipeline's."},
      }};
  return t;
}

const KeyTable& tasks_keys() {
  static const KeyTable t{
      "pipeline.tasks",
      "Settings of each task of the chain, by the name events and logs give it.",
      {
          {.name = "pre_validation",
           .type = KeyType::section,
           .description = "The counts that find a window loaded already.",
           .section = &task_keys()},
          {.name = "source_to_stage",
           .type = KeyType::section,
           .description = "The extract into the stage (and the target's load fed meanwhile).",
           .section = &task_keys()},
          {.name = "stage_to_target",
           .type = KeyType::section,
           .description = "The load into the target, or the commit of the load fed while "
                          "staging.",
           .section = &task_keys()},
          {.name = "audit",
           .type = KeyType::section,
           .description = "The counts of both sides after the load.",
           .section = &task_keys()},
      }};
  return t;
}

const KeyTable& dependency_keys() {
  static const KeyTable t{
      "pipeline.depends_on[]",
      "An upstream pipeline; a plain name is `{pipeline: NAME}`.",
      {
          {.name = "pipeline",
           .type = KeyType::string,
           .description = "The upstream pipeline's id.",
           .required = true,
           .check = check_pipeline_id},
          {.name = "mode",
           .type = KeyType::choice,
           .description = "`windows`: a window waits until every upstream window overlapping "
                          "it (judged on UTC instants) exists and is SUCCESS or SKIPPED. "
                          "`latest`: until the upstream's newest successful window ends at or "
                          "after this window's end (a dimension refreshed now and then).",
           .default_value = "windows",
           .choices = {"windows", "latest"}},
      }};
  return t;
}

}  // namespace

const KeyTable& connection_common_keys() {
  static const KeyTable t{"connection",
                          "Every connection.",
                          {
                              {.name = "kind",
                               .type = KeyType::choice,
                               .description = "Adapter kind; its keys follow.",
                               .required = true,
                               .choices = adapters::adapter_kinds()},
                              {.name = "description",
                               .type = KeyType::string,
                               .description = "Free text.",
                               .default_value = "''"},
                          }};
  return t;
}

const KeyTable& source_common_keys() {
  static const KeyTable t{
      "pipeline.source",
      "Every source; the connection's kind adds its own keys.",
      {
          {.name = "connection",
           .type = KeyType::string,
           .description = "Name of a connection of the daemon file that can be a source; "
                          "becomes the record's `source_name`.",
           .required = true},
      }};
  return t;
}

const KeyTable& target_common_keys() {
  static const KeyTable t{
      "pipeline.target",
      "Every target; the connection's kind adds its own keys.",
      {
          {.name = "connection",
           .type = KeyType::string,
           .description = "Name of a connection of the daemon file that can be a target; "
                          "becomes the record's `target_name`.",
           .required = true},
      }};
  return t;
}

const KeyTable& pipeline_keys() {
  static const KeyTable t{
      "pipeline file",
      "One pipeline per file in `pipelines_dir`.",
      {
          {.name = "id",
           .type = KeyType::string,
           .description = "Pipeline id, unique across files (`pipeline_id` of its records).",
           .required = true,
           .check = check_pipeline_id},
          {.name = "description",
           .type = KeyType::string,
           .description = "Free text.",
           .default_value = "''"},
          {.name = "kind",
           .type = KeyType::choice,
           .description = "`copy`: rows go from `source` through the stage to `target`. `sql`: "
                          "the statements of `sql` run on the target's server, no source and no "
                          "stage (README, SQL pipelines).",
           .default_value = "copy",
           .choices = {"copy", "sql"}},
          {.name = "source",
           .type = KeyType::adapter_section,
           .description = "Where rows come from. Required unless `kind: sql`, which has none.",
           .default_value = "(required unless kind: sql)",
           .section = &source_common_keys()},
          {.name = "target",
           .type = KeyType::adapter_section,
           .description = "Where rows go. With `kind: sql`: the table the statements fill, "
                          "on a connection that can run SQL pipelines (postgres, mysql, "
                          "clickhouse); `time_column` is required.",
           .required = true,
           .section = &target_common_keys()},
          {.name = "sql",
           .type = KeyType::section,
           .description = "The statements of a SQL pipeline; only with `kind: sql`.",
           .section = &sql_keys()},
          {.name = "ddl",
           .type = KeyType::string,
           .description = "The target table's `CREATE TABLE` statement (any kind of pipeline "
                          "whose target is a table): it must create `target.table` with "
                          "`target.time_column` among its columns. `sluicectl deploy` creates "
                          "the table from it, or reports how an existing table's columns "
                          "differ."},
          {.name = "schedule",
           .type = KeyType::section,
           .description = "When to look.",
           .section = &schedule_keys()},
          {.name = "window",
           .type = KeyType::section,
           .description = "The windows.",
           .required = true,
           .section = &window_keys()},
          {.name = "transform",
           .type = KeyType::section,
           .description = "Select, rename, cast and compute columns between source and stage.",
           .section = &transform::transform_keys()},
          {.name = "audit",
           .type = KeyType::section,
           .description = "Count check.",
           .section = &audit_keys()},
          {.name = "retries",
           .type = KeyType::section,
           .description = "Retries.",
           .section = &retries_keys()},
          {.name = "timeout",
           .type = KeyType::duration,
           .description = "Longest a window may run, from its claim to the end of its audit. "
                          "Past it the running statement is cancelled on its server and the "
                          "window retried with `timeout after ...` (README, Timeouts). The "
                          "default is longer than any one window's load should take, and short "
                          "enough that a hung query frees its window the same day.",
           .default_value = "6h"},
          {.name = "tasks",
           .type = KeyType::section,
           .description = "Per task: `tasks.TASK.timeout`.",
           .section = &tasks_keys()},
          {.name = "stale_threshold",
           .type = KeyType::duration,
           .description = "Lease of a running window: without a heartbeat for this long it is "
                          "taken back.",
           .default_value = "(daemon stale_threshold)"},
          {.name = "sla",
           .type = KeyType::duration,
           .description = "How late the pipeline may be: its newest finished window's data due "
                          "for longer than this (`sluice_lateness_seconds`) fires the "
                          "SluicePipelineLate alert of deploy/prometheus/sluice.rules.yml, "
                          "which reads it as `sluice_pipeline_sla_seconds`. Unset: never late."},
          {.name = "run_if",
           .type = KeyType::section,
           .description = "Conditions a window must meet before anything is read: `sql`, "
                          "`min_source_rows`, `file_exists`, `calendar`; when one is false the "
                          "window waits or is skipped (README, Conditions (run_if)).",
           .section = &run_if_keys()},
          {.name = "business_fields",
           .type = KeyType::template_map,
           .description = "Fields stored with each record (the seed's key_x/key_y/key_z), "
                          "rendered per window: `{pipeline}`, `{window_start:%Y/%m/%d}`, "
                          "`{window_end}`, `{target_day}`, `{time_interval}`.",
           .default_value = "{}",
           .check = check_field_name},
          {.name = "check_fields",
           .type = KeyType::string_list,
           .description = "Business fields that must be non-empty before a window runs.",
           .default_value = "(every business field)"},
          {.name = "max_active_windows",
           .type = KeyType::integer,
           .description = "Windows of this pipeline running at once (all hosts together).",
           .default_value = "1",
           .min = 1,
           .max = 1000},
          {.name = "pool",
           .type = KeyType::string,
           .description = "A pool of the daemon file's `pools`: this pipeline's windows run only "
                          "while the pool's running windows (every pipeline of the pool, every "
                          "daemon) leave room for their `pool_slots`. Unset: in no pool.",
           .check = check_pool_name},
          {.name = "pool_slots",
           .type = KeyType::integer,
           .description = "Slots of its `pool` one window of this pipeline takes (a heavy load "
                          "takes more); at most the pool's size.",
           .default_value = "1",
           .min = 1,
           .max = 100000},
          {.name = "priority",
           .type = KeyType::integer,
           .description = "Order of the claim: among windows waiting for a pool's slots (and "
                          "for a daemon's workers), a higher priority is claimed first, then "
                          "the oldest window. Live windows still come before backfill ones.",
           .default_value = "0",
           .min = -1000000,
           .max = 1000000},
          {.name = "notifications",
           .type = KeyType::section,
           .description = "E-mail and webhooks for this pipeline's events.",
           .section = &pipeline_notifications_keys()},
          {.name = "depends_on",
           .type = KeyType::section_list,
           .description = "Pipelines this one waits for: `[orders_hourly, {pipeline: customers, "
                          "mode: latest}]`. Checked in the claim itself, so every daemon agrees "
                          "(README, Pipelines that depend on others).",
           .default_value = "[]",
           .section = &dependency_keys(),
           .shorthand = "pipeline"},
          {.name = "checks",
           .type = KeyType::section_list,
           .description = "Data checks after the audit's counts pass: `not_null`, `unique`, "
                          "`sum_match` or an assertion `sql`, each `severity: error` (the window "
                          "FAILED, audit_result CHECK_FAILED) or `warn` (recorded and told). "
                          "Results in `window_checks` (README, Data checks).",
           .default_value = "[]",
           .section = &check_keys()},
          {.name = "layer",
           .type = KeyType::choice,
           .description = "The warehouse layer of its target table; with the daemon file's "
                          "`naming`, the table's name must match the layer's pattern. Unset: "
                          "the one layer whose pattern the table matches, if any.",
           .choices = {"source", "intermediate", "fact", "dimension", "view"}},
          {.name = "tags",
           .type = KeyType::string_list,
           .description = "Free labels; `sluicectl status --tag T`, `sluicectl records list "
                          "--tag T` and `GET /api/v1/pipelines?tag=T` keep the pipelines tagged T.",
           .default_value = "[]"},
          {.name = "paused",
           .type = KeyType::boolean,
           .description = "Create no records and claim no windows (`sluicectl pause` does the "
                          "same at run time).",
           .default_value = "false"},
      }};
  return t;
}

}  // namespace sluice::config
