# The scale benchmark's table (tests/bench/scale_bench.sh): one row per figure, one column per
# scale point, the growth from the smallest point to the largest (and along each axis), and
# the G7 target beside it with what the figure says of it. Printed, never asserted.
#
#   awk -f report.awk -v points="10kx1000 1Mx100 ..." figures.tsv
# figures.tsv: POINT <tab> FIGURE <tab> VALUE lines.

function count(text) {
  if (text ~ /k$/) return substr(text, 1, length(text) - 1) * 1000
  if (text ~ /M$/) return substr(text, 1, length(text) - 1) * 1000000
  return text + 0
}

function show(v) {
  if (v == "") return "-"
  v += 0
  if (v >= 10000 || v == int(v)) return sprintf("%.0f", v)
  if (v >= 100) return sprintf("%.0f", v)
  if (v >= 10) return sprintf("%.1f", v)
  return sprintf("%.2f", v)
}

function ratio(key, a, b) {
  if (a == "" || b == "" || a == b || !((a, key) in fig) || !((b, key) in fig) || fig[b, key] + 0 == 0)
    return "-"
  return sprintf("%.2fx", fig[a, key] / fig[b, key])
}

# row KEY LABEL TARGET: TARGET is "", or "<= N at SCOPE", or "growth"; SCOPE is all (the worst
# point), big (the 10Mx10000 point, else the largest) or fleet (the point with the most
# pipelines, then records).
function row(key, label, target,    i, line, verdict, t, op, limit, scope, at, worst, v, g) {
  line = sprintf("%-44s", label)
  for (i = 1; i <= n; i++) line = line sprintf(" %9s", show((name[i], key) in fig ? fig[name[i], key] : ""))
  line = line sprintf(" %8s %8s %8s", ratio(key, rec_hi, rec_lo), ratio(key, pipe_hi, pipe_lo), ratio(key, largest, smallest))
  verdict = ""
  if (target == "growth") {
    g = ratio(key, rec_hi, rec_lo)
    if (g != "-") verdict = sprintf("within 20%% from %s to %s: %s", rec_lo, rec_hi, (g + 0 >= 0.8 && g + 0 <= 1.2) ? "yes" : "NO")
    target = "claims/s within 20% 10k->10M"
  } else if (target != "") {
    split(target, t, " ")
    op = t[1]; limit = t[2] + 0; scope = t[4]
    if (scope == "all") {
      worst = ""
      for (i = 1; i <= n; i++)
        if ((name[i], key) in fig && (worst == "" || fig[name[i], key] + 0 > worst + 0)) { worst = fig[name[i], key]; at = name[i] }
      if (worst != "") verdict = sprintf("worst %s at %s: %s", show(worst), at, (worst + 0 <= limit) ? "within" : "OVER")
      target = op " " t[2] " (every point)"
    } else {
      at = (scope == "big") ? big : fleet
      if (at != "" && (at, key) in fig) {
        v = fig[at, key]
        verdict = sprintf("%s at %s: %s", show(v), at, (v + 0 <= limit) ? "within" : "OVER")
        if ((scope == "big" && !big_run) || (scope == "fleet" && fleet_p < 10000))
          verdict = verdict " (target's scale not run)"
      }
      target = op " " t[2] " at " (scope == "big" ? "10M rec, 10k pipelines" : "10k pipelines")
    }
  }
  if (target != "") line = line "  " sprintf("%-30s %s", target, verdict)
  print line
}

BEGIN { FS = "\t" }
{ fig[$1, $2] = $3 }
END {
  n = split(points, name, " ")
  best_size = -1; least_size = -1
  for (i = 1; i <= n; i++) {
    split(name[i], rp, "x")
    r[i] = count(rp[1]); p[i] = count(rp[2])
    size = r[i] * p[i]
    if (size > best_size) { best_size = size; largest = name[i] }
    if (least_size < 0 || size < least_size) { least_size = size; smallest = name[i] }
    if (r[i] == 10000000 && p[i] == 10000) big = name[i]
    if (fleet == "" || p[i] > fleet_p || (p[i] == fleet_p && r[i] > fleet_r)) { fleet = name[i]; fleet_p = p[i]; fleet_r = r[i] }
    per_p[p[i]]++; per_r[r[i]]++
  }
  big_run = big != ""
  if (big == "") big = largest
  # The records axis at the pipelines count with the most points (1,000 by default), the
  # pipelines axis at the records count with the most points (1 M by default).
  for (i = 1; i <= n; i++) {
    if (ref_p == "" || per_p[p[i]] > per_p[ref_p]) ref_p = p[i]
    if (ref_r == "" || per_r[r[i]] > per_r[ref_r]) ref_r = r[i]
  }
  for (i = 1; i <= n; i++) {
    if (p[i] == ref_p && per_p[ref_p] > 1) {
      if (rec_lo == "" || r[i] < lo_r) { rec_lo = name[i]; lo_r = r[i] }
      if (rec_hi == "" || r[i] > hi_r) { rec_hi = name[i]; hi_r = r[i] }
    }
    if (r[i] == ref_r && per_r[ref_r] > 1) {
      if (pipe_lo == "" || p[i] < lo_p) { pipe_lo = name[i]; lo_p = p[i] }
      if (pipe_hi == "" || p[i] > hi_p) { pipe_hi = name[i]; hi_p = p[i] }
    }
  }
  print "== figures by scale point (RECORDSxPIPELINES); times are medians; growth = last / first"
  printf "   growth: records %s -> %s, pipelines %s -> %s, all %s -> %s\n", rec_lo == "" ? "-" : rec_lo, rec_hi == "" ? "-" : rec_hi, pipe_lo == "" ? "-" : pipe_lo, pipe_hi == "" ? "-" : pipe_hi, smallest, largest
  line = sprintf("%-44s", "figure")
  for (i = 1; i <= n; i++) line = line sprintf(" %9s", name[i])
  print line sprintf(" %8s %8s %8s  %-30s %s", "records", "pipes", "all", "G7 target", "at that scale")

  row("records", "records in pipeline_records", "")
  row("size_table_mib_per_m", "table, MiB per 1 M records", "")
  row("size_indexes_mib_per_m", "its indexes, MiB per 1 M records", "")
  row("size_total_mib", "table + indexes + TOAST, MiB", "")
  row("claim1_p50_ms", "claim p50 ms, 1 claimer", "")
  row("claim1_p99_ms", "claim p99 ms, 1 claimer", "<= 10 at all")
  row("claim1_per_s", "claims/s, 1 claimer", "growth")
  row("claim4_p50_ms", "claim p50 ms, 4 claimers", "")
  row("claim4_p99_ms", "claim p99 ms, 4 claimers", "")
  row("claim4_per_s", "claims/s, 4 claimers", "")
  row("claim8_p50_ms", "claim p50 ms, 8 claimers", "")
  row("claim8_p99_ms", "claim p99 ms, 8 claimers", "<= 10 at all")
  row("claim8_per_s", "claims/s, 8 claimers", "growth")
  row("generate_tick_s", "one cron tick, every pipeline due, s", "<= 2 at fleet")
  row("generate_created", "windows that tick made", "")
  row("config_load_s", "loading the files + runtimes, s", "")
  row("sql_summary_all_ms", "SELECT * FROM pipeline_summary, ms", "<= 100 at big")
  row("sql_backlog_ms", "sql/queries/backlog.sql, ms", "<= 100 at big")
  row("sql_summary_one_ms", "pipeline_summary, one pipeline, ms", "<= 100 at big")
  row("sql_failed_recently_ms", "sql/queries/failed_recently.sql, ms", "<= 100 at big")
  row("sql_failed_one_ms", "failed_windows, one pipeline, ms", "<= 100 at big")
  row("sql_stuck_ms", "sql/queries/stuck_windows.sql, ms", "<= 100 at big")
  row("sql_stuck_all_ms", "SELECT * FROM stuck_windows, ms", "<= 100 at big")
  row("sql_latency_ms", "sql/queries/latency.sql, ms", "<= 100 at big")
  row("sql_latency_exact_ms", "sql/queries/latency_exact.sql, ms", "")
  row("sql_latency_one_ms", "window_latency, one pipeline's 100, ms", "<= 100 at big")
  row("ctl_validate", "sluicectl validate (loads the files), ms", "")
  row("ctl_status", "sluicectl status (its cache), ms", "<= 100 at big")
  row("ctl_status_files", "  --no-cache (every file read), ms", "")
  row("ctl_list", "sluicectl records list, ms", "")
  row("ctl_list_pipeline", "  -p PIPELINE, ms", "")
  row("ctl_list_status", "  --status failed, ms", "")
  row("ctl_list_range", "  --from --to (one day), ms", "")
  row("ctl_list_trigger", "  --trigger backfill, ms", "")
  row("ctl_list_id", "  --id ID, ms", "")
  row("ctl_list_tag", "  --tag TEAM, ms", "")
  row("ctl_show", "sluicectl records show ID, ms", "")
  row("daemon_ready_s", "sluiced start to /readyz 200, s", "")
  row("idle_cpu_pct", "sluiced idle CPU, % of a core", "<= 2 at fleet")
  row("idle_rss_mib", "sluiced idle RSS, MiB", "<= 200 at fleet")
  row("daemon_hwm_mib", "sluiced peak RSS, MiB", "")
  row("idle_pg_cpu_pct", "PostgreSQL CPU meanwhile, % of a core", "")
  row("idle_windows_made", "windows a cron tick made meanwhile", "")
  row("api_pipelines", "GET /api/v1/pipelines, ms", "")
  row("api_records", "GET /api/v1/records?limit=100, ms", "")
  row("api_records_pipeline", "  pipeline=P&order=newest, ms", "")
  row("api_records_status", "  status=FAILED, ms", "")
  row("api_records_range", "  from&to (one day), ms", "")
  row("api_records_trigger", "  trigger=backfill, ms", "")
  row("api_locks", "GET /api/v1/locks, ms", "")
  row("api_backfills", "GET /api/v1/backfills, ms", "")
  row("api_audit_log", "GET /api/v1/audit-log, ms", "")
  row("api_metrics", "GET /metrics, ms", "")
  row("load_average", "load average (1 min) after the point", "")
}
