// store::Records for several windows at a time: the batched claim, the batched task writes
// and the batched backfill settle. Each keeps the rules of one: one run ID per window, every
// write fenced by it, one statement (one commit) for the batch.
#include <algorithm>
#include <iterator>
#include <regex>
#include <stdexcept>

#include <pqxx/except>

#include "framework/store/backfill.hpp"
#include "framework/store/errors.hpp"
#include "framework/store/records.hpp"
#include "framework/store/records_detail.hpp"

namespace sluice::store {
namespace {

// sluice_claim_windows: the fingerprint is not the one stored for this holder.
constexpr const char* kLimitsNotStored = "SLU02";

// `{"a",NULL,"b"}`: array_literal with NULL elements.
std::string nullable_array_literal(const std::vector<std::optional<std::string>>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    if (!values[i]) {
      out += "NULL";
      continue;
    }
    const std::string one = array_literal(std::span(&*values[i], 1));
    out += one.substr(1, one.size() - 2);
  }
  return out + "}";
}

// The parameters of a task write, by number: the type each takes in its column of the batch.
constexpr const char* kParamTypes[] = {"bigint",  "text",   "bigint", "text",    "text",
                                       "bigint",  "bigint", "bigint", "bigint",  "bigint",
                                       "numeric", "text",   "text",   "boolean", "bigint",
                                       "text",    "text",   "bigint", "text",    "int"};

// Replaces "$<n>" with `prefix` + n everywhere in `sql`.
std::string respell(const std::string& sql, const std::string& prefix) {
  static const std::regex param(R"(\$(\d+))");
  return std::regex_replace(sql, param, prefix + "$1");
}

// detail::write_statement for many writes: each parameter $n is an array of every write's
// n-th value, unnested into column pn of `x`; the UPDATE takes its values from x's row of its
// record, and the event rows theirs from the rows the UPDATE matched. The fence is the same,
// row by row. The last parameter, a boolean, makes the commit one that does not wait for its
// WAL flush (Records::write_tasks): set_config(..., true) lasts until the statement's own
// implicit transaction commits, and its commit reads it.
std::string batch_write_statement(Task task) {
  const std::string one = detail::write_statement(task);
  const std::string fence = "WHERE id = $1 AND dag_run_id = $2 ";
  const std::string matched = "RETURNING id, pipeline_id) ";
  const auto at_fence = one.find(fence);
  const auto at_matched = one.find(matched);
  if (one.rfind("WITH u AS (", 0) != 0 || at_fence == std::string::npos ||
      at_matched == std::string::npos)
    throw std::logic_error("the task write statement has changed shape");
  // "u AS (UPDATE ... SET ... " + "FROM x " + "WHERE id = $1 ... ", without the leading WITH.
  const std::string update =
      one.substr(5, at_fence - 5) + "FROM x " + one.substr(at_fence, at_matched - at_fence);
  const std::string events = one.substr(at_matched + matched.size());
  std::string arrays, names;
  for (std::size_t n = 1; n <= std::size(kParamTypes); ++n) {
    arrays += (n > 1 ? ", $" : "$") + std::to_string(n) + "::" + kParamTypes[n - 1] + "[]";
    names += (n > 1 ? ", p" : "p") + std::to_string(n);
  }
  const std::string unflushed = "$" + std::to_string(std::size(kParamTypes) + 1) + "::boolean";
  return "WITH x AS (SELECT * FROM unnest(" + arrays + ") AS x(" + names + ") WHERE CASE WHEN " +
         unflushed +
         " THEN set_config('synchronous_commit', 'off', true) = 'off' ELSE true END), " +
         respell(update, "x.p") + "RETURNING id, pipeline_id, x.*) " + respell(events, "u.p");
}

}  // namespace

Statement write_tasks_statement(std::span<const Record> records, std::span<const TaskWrite> writes,
                                std::string_view holder) {
  if (records.size() != writes.size() || writes.empty())
    throw std::logic_error("a batch of task writes needs one write per record");
  const Task task = writes.front().task;
  if (task == Task::audit) throw std::logic_error("the audit's writes are not batched");
  // Column n of the batch: every write's n-th parameter.
  std::vector<std::vector<std::optional<std::string>>> columns;
  for (std::size_t i = 0; i < writes.size(); ++i) {
    if (writes[i].task != task) throw std::logic_error("a batch of task writes is of one task");
    auto params = detail::write_params(records[i], writes[i], holder);
    columns.resize(params.size());
    for (std::size_t n = 0; n < params.size(); ++n) columns[n].push_back(std::move(params[n]));
  }
  SqlParams params;
  params.reserve(columns.size() + 1);
  for (const auto& column : columns) params.emplace_back(nullable_array_literal(column));
  // Every write ends an empty window SKIPPED: nothing outside the database was done.
  const bool unflushed = std::all_of(writes.begin(), writes.end(),
                                     [](const TaskWrite& w) { return w.move == Move::skip; });
  params.emplace_back(unflushed ? "true" : "false");
  // Made once per task: the text is the same at every call.
  static const std::string kBatchStatements[] = {
      batch_write_statement(Task::store_and_validate), batch_write_statement(Task::pre_validation),
      batch_write_statement(Task::source_to_stage), batch_write_statement(Task::stage_to_target)};
  return Statement{"sluice_write_batch_" + std::string(to_string(task)),
                   kBatchStatements[static_cast<int>(task)], std::move(params)};
}

Result<std::vector<Record>> Records::claim_windows(const ClaimLimitSet& limits, int max) {
  if (limits.empty()) return std::vector<Record>{};
  const std::int64_t fingerprint = limits.fingerprint();
  return attempt("claiming windows", [&] {
    std::vector<Record> claimed;
    const auto claim = [&] {
      for (const auto& row :
           detail::execute(connection_, claim_windows_statement(fingerprint, holder_, max)))
        claimed.push_back(detail::claimed_record(row));
    };
    try {
      claim();
    } catch (const pqxx::sql_error& e) {
      // The limits stored under this holder are another set (a reload, a restart, a fresh
      // database): store these and claim again. Only this sends every pipeline's limits.
      if (e.sqlstate() != kLimitsNotStored) throw;
      detail::execute(connection_, store_claim_limits_statement(limits, holder_));
      claim();
    }
    return claimed;
  });
}

Result<std::vector<bool>> Records::write_tasks(std::span<const Record> records,
                                               std::span<const TaskWrite> writes) {
  if (records.empty()) return std::vector<bool>{};
  return attempt("writing task outcomes", [&] {
    const auto result =
        detail::execute(connection_, write_tasks_statement(records, writes, holder_));
    std::vector<bool> written(records.size(), false);
    for (const auto& row : result) {
      const auto id = row[0].as<std::int64_t>();
      for (std::size_t i = 0; i < records.size(); ++i)
        if (records[i].id.value == id) written[i] = true;
    }
    return written;
  });
}

Result<std::int64_t> Records::settle_backfills(std::span<const Record> records, bool progress) {
  if (records.empty()) return std::int64_t{0};
  return Backfills(connection_, "").settle_windows(records, progress);
}

}  // namespace sluice::store
