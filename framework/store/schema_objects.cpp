#include "framework/store/schema_objects.hpp"

#include <fmt/format.h>
#include <pqxx/pqxx>

#include "framework/store/errors.hpp"

namespace sluice::store {
namespace {

struct Column {
  const char* table;
  const char* name;
  const char* type;
};

// After the last migration (and schema_migrations, which `db migrate` creates itself).
constexpr Column kColumns[] = {
    // pipeline_records
    {"pipeline_records", "id", "bigint"},
    {"pipeline_records", "pipeline_id", "text"},
    {"pipeline_records", "source_name", "text"},
    {"pipeline_records", "target_name", "text"},
    {"pipeline_records", "target_day", "date"},
    {"pipeline_records", "window_start_time", "timestamp with time zone"},
    {"pipeline_records", "window_end_time", "timestamp with time zone"},
    {"pipeline_records", "time_interval", "text"},
    {"pipeline_records", "trigger", "text"},
    {"pipeline_records", "dag_run_id", "text"},
    {"pipeline_records", "pipeline_status", "text"},
    {"pipeline_records", "pipeline_locked_at", "timestamp with time zone"},
    {"pipeline_records", "locked_by", "text"},
    {"pipeline_records", "heartbeat_at", "timestamp with time zone"},
    {"pipeline_records", "next_attempt_at", "timestamp with time zone"},
    {"pipeline_records", "source_to_stage_ingestion_start_time", "timestamp with time zone"},
    {"pipeline_records", "source_to_stage_ingestion_end_time", "timestamp with time zone"},
    {"pipeline_records", "source_to_stage_ingestion_status", "text"},
    {"pipeline_records", "stage_to_target_ingestion_start_time", "timestamp with time zone"},
    {"pipeline_records", "stage_to_target_ingestion_end_time", "timestamp with time zone"},
    {"pipeline_records", "stage_to_target_ingestion_status", "text"},
    {"pipeline_records", "audit_start_time", "timestamp with time zone"},
    {"pipeline_records", "audit_end_time", "timestamp with time zone"},
    {"pipeline_records", "audit_status", "text"},
    {"pipeline_records", "audit_result", "text"},
    {"pipeline_records", "source_count", "bigint"},
    {"pipeline_records", "target_count", "bigint"},
    {"pipeline_records", "count_difference", "bigint"},
    {"pipeline_records", "percentage_difference", "numeric(7,2)"},
    {"pipeline_records", "stage_count", "bigint"},
    {"pipeline_records", "stage_bytes", "bigint"},
    {"pipeline_records", "pipeline_start_time", "timestamp with time zone"},
    {"pipeline_records", "pipeline_end_time", "timestamp with time zone"},
    {"pipeline_records", "phase_completed", "text"},
    {"pipeline_records", "retry_attempt", "integer"},
    {"pipeline_records", "error_message", "text"},
    {"pipeline_records", "business_fields", "jsonb"},
    {"pipeline_records", "record_first_created_time", "timestamp with time zone"},
    {"pipeline_records", "record_last_updated_time", "timestamp with time zone"},
    {"pipeline_records", "force_reload", "boolean"},
    {"pipeline_records", "config_version", "integer"},
    {"pipeline_records", "pool", "text"},
    {"pipeline_records", "pool_slots", "integer"},
    // pipeline_events
    {"pipeline_events", "id", "bigint"},
    {"pipeline_events", "record_id", "bigint"},
    {"pipeline_events", "pipeline_id", "text"},
    {"pipeline_events", "dag_run_id", "text"},
    {"pipeline_events", "task", "text"},
    {"pipeline_events", "from_status", "text"},
    {"pipeline_events", "to_status", "text"},
    {"pipeline_events", "outcome", "text"},
    {"pipeline_events", "started_at", "timestamp with time zone"},
    {"pipeline_events", "ended_at", "timestamp with time zone"},
    {"pipeline_events", "rows", "bigint"},
    {"pipeline_events", "message", "text"},
    {"pipeline_events", "host", "text"},
    {"pipeline_events", "created_at", "timestamp with time zone"},
    // pipelines
    {"pipelines", "pipeline_id", "text"},
    {"pipelines", "paused", "boolean"},
    {"pipelines", "paused_by", "text"},
    {"pipelines", "paused_at", "timestamp with time zone"},
    {"pipelines", "config_hash", "text"},
    {"pipelines", "stale_threshold", "interval"},
    {"pipelines", "registered_by", "text"},
    {"pipelines", "registered_at", "timestamp with time zone"},
    {"pipelines", "updated_at", "timestamp with time zone"},
    {"pipelines", "notify_events", "text[]"},
    {"pipelines", "newest_done_end", "timestamp with time zone"},
    // pipeline_dependencies
    {"pipeline_dependencies", "pipeline_id", "text"},
    {"pipeline_dependencies", "upstream_id", "text"},
    {"pipeline_dependencies", "mode", "text"},
    {"pipeline_dependencies", "upstream_span", "interval"},
    // backfill_requests
    {"backfill_requests", "id", "bigint"},
    {"backfill_requests", "pipeline_id", "text"},
    {"backfill_requests", "from_time", "timestamp with time zone"},
    {"backfill_requests", "to_time", "timestamp with time zone"},
    {"backfill_requests", "reprocess", "text"},
    {"backfill_requests", "dry_run", "boolean"},
    {"backfill_requests", "status", "text"},
    {"backfill_requests", "requested_by", "text"},
    {"backfill_requests", "requested_at", "timestamp with time zone"},
    {"backfill_requests", "claimed_by", "text"},
    {"backfill_requests", "started_at", "timestamp with time zone"},
    {"backfill_requests", "finished_at", "timestamp with time zone"},
    {"backfill_requests", "windows_total", "integer"},
    {"backfill_requests", "windows_done", "integer"},
    {"backfill_requests", "message", "text"},
    {"backfill_requests", "planned_until", "timestamp with time zone"},
    {"backfill_requests", "windows_created", "integer"},
    {"backfill_requests", "windows_reset", "integer"},
    {"backfill_requests", "windows_running", "integer"},
    {"backfill_requests", "force", "boolean"},
    // audit_log
    {"audit_log", "id", "bigint"},
    {"audit_log", "at", "timestamp with time zone"},
    {"audit_log", "actor", "text"},
    {"audit_log", "command", "text"},
    {"audit_log", "pipeline_id", "text"},
    {"audit_log", "arguments", "jsonb"},
    {"audit_log", "affected", "bigint"},
    {"audit_log", "message", "text"},
    {"audit_log", "client", "text"},
    // notifications
    {"notifications", "id", "bigint"},
    {"notifications", "event", "text"},
    {"notifications", "pipeline_id", "text"},
    {"notifications", "record_id", "bigint"},
    {"notifications", "backfill_id", "bigint"},
    {"notifications", "window_start", "timestamp with time zone"},
    {"notifications", "window_end", "timestamp with time zone"},
    {"notifications", "run_id", "text"},
    {"notifications", "message", "text"},
    {"notifications", "dedupe_key", "text"},
    {"notifications", "created_at", "timestamp with time zone"},
    {"notifications", "expanded_at", "timestamp with time zone"},
    // notification_deliveries
    {"notification_deliveries", "id", "bigint"},
    {"notification_deliveries", "notification_id", "bigint"},
    {"notification_deliveries", "pipeline_id", "text"},
    {"notification_deliveries", "channel", "text"},
    {"notification_deliveries", "status", "text"},
    {"notification_deliveries", "attempts", "integer"},
    {"notification_deliveries", "next_attempt_at", "timestamp with time zone"},
    {"notification_deliveries", "last_error", "text"},
    {"notification_deliveries", "message_id", "text"},
    {"notification_deliveries", "created_at", "timestamp with time zone"},
    {"notification_deliveries", "sent_at", "timestamp with time zone"},
    // notification_streams
    {"notification_streams", "pipeline_id", "text"},
    {"notification_streams", "channel", "text"},
    {"notification_streams", "last_sent_at", "timestamp with time zone"},
    // pipeline_definitions
    {"pipeline_definitions", "seq", "bigint"},
    {"pipeline_definitions", "pipeline_id", "text"},
    {"pipeline_definitions", "version", "integer"},
    {"pipeline_definitions", "origin", "text"},
    {"pipeline_definitions", "file", "text"},
    {"pipeline_definitions", "yaml", "text"},
    {"pipeline_definitions", "checksum", "text"},
    {"pipeline_definitions", "created_by", "text"},
    {"pipeline_definitions", "created_at", "timestamp with time zone"},
    {"pipeline_definitions", "comment", "text"},
    {"pipeline_definitions", "deleted", "boolean"},
    // window_checks
    {"window_checks", "id", "bigint"},
    {"window_checks", "record_id", "bigint"},
    {"window_checks", "pipeline_id", "text"},
    {"window_checks", "run_id", "text"},
    {"window_checks", "check_name", "text"},
    {"window_checks", "kind", "text"},
    {"window_checks", "severity", "text"},
    {"window_checks", "passed", "boolean"},
    {"window_checks", "observed", "numeric"},
    {"window_checks", "message", "text"},
    {"window_checks", "checked_at", "timestamp with time zone"},
    // pipeline_counts, pipeline_count_deltas
    {"pipeline_counts", "pipeline_id", "text"},
    {"pipeline_counts", "succeeded", "bigint"},
    {"pipeline_counts", "skipped", "bigint"},
    {"pipeline_counts", "failed", "bigint"},
    {"pipeline_counts", "last_success_at", "timestamp with time zone"},
    {"pipeline_counts", "last_failure_at", "timestamp with time zone"},
    {"pipeline_counts", "newest_scheduled", "timestamp with time zone[]"},
    {"pipeline_count_deltas", "pipeline_id", "text"},
    {"pipeline_count_deltas", "succeeded", "integer"},
    {"pipeline_count_deltas", "skipped", "integer"},
    {"pipeline_count_deltas", "failed", "integer"},
    {"pipeline_count_deltas", "last_success_at", "timestamp with time zone"},
    {"pipeline_count_deltas", "last_failure_at", "timestamp with time zone"},
    {"pipeline_count_deltas", "newest_scheduled", "timestamp with time zone[]"},
    {"pipeline_count_deltas", "rescan", "boolean"},
    // pipeline_latency_days, pipeline_latency_deltas, pipeline_latency
    {"pipeline_latency_days", "pipeline_id", "text"},
    {"pipeline_latency_days", "day", "date"},
    {"pipeline_latency_days", "windows", "bigint"},
    {"pipeline_latency_days", "latency_max", "interval"},
    {"pipeline_latency_days", "first_start", "timestamp with time zone"},
    {"pipeline_latency_days", "latency_buckets", "smallint[]"},
    {"pipeline_latency_days", "latency_counts", "integer[]"},
    {"pipeline_latency_days", "run_buckets", "smallint[]"},
    {"pipeline_latency_days", "run_counts", "integer[]"},
    {"pipeline_latency_deltas", "pipeline_id", "text"},
    {"pipeline_latency_deltas", "day", "date"},
    {"pipeline_latency_deltas", "windows", "integer"},
    {"pipeline_latency_deltas", "latency", "interval"},
    {"pipeline_latency_deltas", "run_duration", "interval"},
    {"pipeline_latency_deltas", "window_start", "timestamp with time zone"},
    {"pipeline_latency", "pipeline_id", "text"},
    {"pipeline_latency", "from_day", "date"},
    {"pipeline_latency", "windows", "bigint"},
    {"pipeline_latency", "latency_p50", "interval"},
    {"pipeline_latency", "latency_p95", "interval"},
    {"pipeline_latency", "latency_max", "interval"},
    {"pipeline_latency", "run_p50", "interval"},
    {"pipeline_latency", "run_p95", "interval"},
    // claim_limit_sets, claim_limits
    {"claim_limit_sets", "holder", "text"},
    {"claim_limit_sets", "fingerprint", "bigint"},
    {"claim_limit_sets", "priorities", "integer[]"},
    {"claim_limit_sets", "stored_at", "timestamp with time zone"},
    {"claim_limit_sets", "seen_at", "timestamp with time zone"},
    {"claim_limits", "holder", "text"},
    {"claim_limits", "pipeline_id", "text"},
    {"claim_limits", "live_limit", "integer"},
    {"claim_limits", "backfill_limit", "integer"},
    {"claim_limits", "version", "integer"},
    {"claim_limits", "pool", "text"},
    {"claim_limits", "pool_slots", "integer"},
    {"claim_limits", "pool_size", "integer"},
    {"claim_limits", "priority", "integer"},
    // schema_migrations
    {"schema_migrations", "version", "integer"},
    {"schema_migrations", "name", "text"},
    {"schema_migrations", "checksum", "text"},
    {"schema_migrations", "applied_at", "timestamp with time zone"},
    {"schema_migrations", "applied_by", "text"},
    {"schema_migrations", "duration_ms", "integer"},
};

struct Function {
  const char* signature;
  const char* result;
};

constexpr Function kFunctions[] = {
    {"sluice_claim(text[], integer[], integer[], integer[], text[], integer[], integer[], "
     "integer[], text)",
     "SETOF pipeline_records"},
    {"sluice_claim_windows(text, bigint, integer)", "SETOF pipeline_records"},
    {"sluice_claim_windows_walk(text, bigint, integer)", "SETOF pipeline_records"},
    {"sluice_store_claim_limits(text, bigint, text[], integer[], integer[], integer[], text[], "
     "integer[], integer[], integer[])",
     "void"},
    {"sluice_console_backfill_changed()", "trigger"},
    {"sluice_count_delta()", "trigger"},
    {"sluice_count_truncate()", "trigger"},
    {"sluice_console_pipeline_changed()", "trigger"},
    {"sluice_console_record_changed()", "trigger"},
    {"sluice_console_records_touched()", "trigger"},
    {"sluice_fold_counts()", "bigint"},
    {"sluice_fold_latency()", "bigint"},
    {"sluice_latency_bucket(double precision)", "smallint"},
    {"sluice_latency_delta()", "trigger"},
    {"sluice_latency_of(date, text[])",
     "TABLE(pipeline_id text, windows bigint, latency_p50 interval, latency_p95 interval, "
     "latency_max interval, run_p50 interval, run_p95 interval)"},
    {"sluice_latency_quantile(smallint, smallint, double precision)", "interval"},
    {"sluice_latency_truncate()", "trigger"},
    {"sluice_latency_value(smallint)", "double precision"},
    {"sluice_notify_backfill()", "trigger"},
    {"sluice_notify_catalog()", "trigger"},
    {"sluice_notify_inserted_records()", "trigger"},
    {"sluice_notify_pending_record()", "trigger"},
    {"sluice_notify_pool_freed()", "trigger"},
    {"sluice_notification_add(text, pipeline_events)", "void"},
    {"sluice_notification_from_backfill()", "trigger"},
    {"sluice_notification_from_check()", "trigger"},
    {"sluice_notification_from_event()", "trigger"},
    {"sluice_notification_wake()", "trigger"},
    {"sluice_rebuild_latency()", "bigint"},
    {"sluice_refuse_definition_change()", "trigger"},
    {"sluice_refuse_event_update()", "trigger"},
    {"sluice_scheduled_changed()", "trigger"},
    {"sluice_scheduled_deleted()", "trigger"},
    {"sluice_scheduled_inserted()", "trigger"},
    {"sluice_touch_record()", "trigger"},
    {"sluice_touch_updated_at()", "trigger"},
    {"sluice_track_done()", "trigger"},
    {"sluice_utc_text(timestamp with time zone)", "text"},
    {"sluice_waiting_on(text, timestamp with time zone, timestamp with time zone)", "text"},
};

// The NOTIFY wake-ups (the daemons' and the console's), record_last_updated_time and the
// append-only events hang on these.
constexpr const char* kTriggers[] = {
    "backfill_requests.backfill_requests_console_insert",
    "backfill_requests.backfill_requests_console_update",
    "backfill_requests.backfill_requests_notification",
    "backfill_requests.backfill_requests_notify_insert",
    "backfill_requests.backfill_requests_notify_status",
    "notifications.notifications_wake",
    "pipeline_definitions.pipeline_definitions_append_only",
    "pipeline_definitions.pipeline_definitions_notify",
    "pipeline_events.pipeline_events_append_only",
    "pipeline_events.pipeline_events_notification",
    "pipeline_records.pipeline_records_console_delete",
    "pipeline_records.pipeline_records_console_insert",
    "pipeline_records.pipeline_records_console_status",
    "pipeline_records.pipeline_records_count_delete",
    "pipeline_records.pipeline_records_count_insert",
    "pipeline_records.pipeline_records_count_truncate",
    "pipeline_records.pipeline_records_count_update",
    "pipeline_records.pipeline_records_latency_delete",
    "pipeline_records.pipeline_records_latency_insert",
    "pipeline_records.pipeline_records_latency_truncate",
    "pipeline_records.pipeline_records_latency_update",
    "pipeline_records.pipeline_records_notify_insert",
    "pipeline_records.pipeline_records_notify_pending",
    "pipeline_records.pipeline_records_notify_pool_freed",
    "pipeline_records.pipeline_records_scheduled_delete",
    "pipeline_records.pipeline_records_scheduled_insert",
    "pipeline_records.pipeline_records_scheduled_update",
    "pipeline_records.pipeline_records_touch",
    "pipeline_records.pipeline_records_track_done_delete",
    "pipeline_records.pipeline_records_track_done_insert",
    "pipeline_records.pipeline_records_track_done_update",
    "pipelines.pipelines_console_paused",
    "pipelines.pipelines_notify_unpaused",
    "pipelines.pipelines_touch",
    "window_checks.window_checks_notification",
};

void compare_one_way(const SchemaObjects& a, const SchemaObjects& b, bool reporting_missing,
                     std::vector<std::string>& out) {
  const std::string absent = reporting_missing ? ": missing" : ": not expected";
  for (const auto& [table, columns] : a.tables) {
    const auto other = b.tables.find(table);
    if (other == b.tables.end()) {
      out.push_back(fmt::format("table {}{}", table, absent));
      continue;
    }
    for (const auto& [column, type] : columns) {
      const auto found = other->second.find(column);
      if (found == other->second.end()) {
        out.push_back(fmt::format("{}.{}{}", table, column, absent));
      } else if (reporting_missing && found->second != type) {
        out.push_back(fmt::format("{}.{}: {}, expected {}", table, column, found->second, type));
      }
    }
  }
  for (const auto& [signature, result] : a.functions) {
    const auto found = b.functions.find(signature);
    if (found == b.functions.end()) {
      out.push_back(fmt::format("function {}{}", signature, absent));
    } else if (reporting_missing && found->second != result) {
      out.push_back(
          fmt::format("function {}: returns {}, expected {}", signature, found->second, result));
    }
  }
  for (const auto& trigger : a.triggers) {
    if (!b.triggers.contains(trigger)) out.push_back(fmt::format("trigger {}{}", trigger, absent));
  }
}

}  // namespace

const SchemaObjects& expected_schema_objects() {
  static const SchemaObjects expected = [] {
    SchemaObjects s;
    for (const auto& c : kColumns) s.tables[c.table][c.name] = c.type;
    for (const auto& f : kFunctions) s.functions[f.signature] = f.result;
    for (const auto* t : kTriggers) s.triggers.insert(t);
    return s;
  }();
  return expected;
}

Result<SchemaObjects> read_schema_objects(Connection& connection) {
  return attempt("reading the database schema", [&] {
    pqxx::read_transaction tx(connection);
    SchemaObjects s;
    // Tables without a column still count as present.
    for (const auto& row :
         tx.exec("SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) "
                 "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                 "LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 "
                 "AND NOT a.attisdropped "
                 "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')")) {
      auto& table = s.tables[row[0].as<std::string>()];
      if (!row[1].is_null()) table[row[1].as<std::string>()] = row[2].as<std::string>();
    }
    for (const auto& row :
         tx.exec("SELECT p.proname || '(' || oidvectortypes(p.proargtypes) || ')', "
                 "pg_get_function_result(p.oid) "
                 "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                 "WHERE n.nspname = current_schema()"))
      s.functions[row[0].as<std::string>()] = row[1].as<std::string>();
    for (const auto& row : tx.exec("SELECT c.relname || '.' || t.tgname FROM pg_trigger t "
                                   "JOIN pg_class c ON c.oid = t.tgrelid "
                                   "JOIN pg_namespace n ON n.oid = c.relnamespace "
                                   "WHERE n.nspname = current_schema() AND NOT t.tgisinternal"))
      s.triggers.insert(row[0].as<std::string>());
    return s;
  });
}

std::vector<std::string> schema_differences(const SchemaObjects& expected,
                                            const SchemaObjects& actual, bool extra) {
  std::vector<std::string> out;
  compare_one_way(expected, actual, true, out);
  if (extra) compare_one_way(actual, expected, false, out);
  return out;
}

}  // namespace sluice::store
