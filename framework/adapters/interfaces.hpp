#pragma once
// The three roles an adapter can play (DESIGN.md, "Adapters"). A source counts and streams a
// window's rows; a stage keeps one window's rows as a file with a manifest; a target counts
// a window's rows and loads a staged window idempotently. Every call returns a classified
// Error instead of throwing: the chain decides what follows.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "framework/adapters/computed.hpp"
#include "framework/adapters/load_mode.hpp"
#include "framework/adapters/rows.hpp"
#include "framework/core/deadline.hpp"
#include "framework/core/error.hpp"
#include "framework/core/ids.hpp"
#include "framework/core/window.hpp"
#include "framework/time/zone.hpp"

namespace sluice::adapters {

// What an adapter knows about the window it works on; log lines carry all of it.
struct WindowContext {
  PipelineId pipeline;
  Window window;
  RunId run;
  // The pipeline's time zone, for the dates of path and URL templates; UTC when null.
  time::Zone zone = nullptr;
  // The running task's deadline (the chain's; null: none). A call bounds itself by it on the
  // server (a statement timeout from remaining()) and, while it blocks, holds a hook that
  // cancels it once the deadline passes. Work that cleans up after a failed load takes none.
  Deadline* deadline = nullptr;
};

class Source {
 public:
  virtual ~Source() = default;
  virtual Result<std::int64_t> count(const WindowContext& ctx) = 0;
  // Whether the window has any row: pre-validation asks only this when the target's window
  // is empty, which a source can answer without counting all of it.
  virtual Result<bool> has_rows(const WindowContext& ctx) {
    auto n = count(ctx);
    if (!n) return fail(n.error());
    return *n > 0;
  }
  // Streams the window's rows into `sink` (begin, rows, end); returns the rows sent.
  virtual Result<std::int64_t> extract(const WindowContext& ctx, RowSink& sink) = 0;
  // Whether has_rows_each asks the source once for all its windows: only then does
  // pre-validation ask it for several windows of a claim at once (tasks/window_batch.hpp).
  virtual bool answers_windows_together() const { return false; }
  // has_rows of each of `windows`, in their order; `ctx` names the first, and its deadline
  // bounds the call.
  virtual Result<std::vector<bool>> has_rows_each(const WindowContext& ctx,
                                                  std::span<const Window> windows) {
    std::vector<bool> out;
    for (const auto& w : windows) {
      WindowContext one = ctx;
      one.window = w;
      auto any = has_rows(one);
      if (!any) return fail(any.error());
      out.push_back(*any);
    }
    return out;
  }
};

// What the stage records beside the data; the reader verifies it.
struct Manifest {
  std::string format;       // copy_text | csv | jsonl
  std::string compression;  // none | zstd
  std::vector<Column> columns;
  std::int64_t rows = 0;
  std::int64_t bytes = 0;  // of the data file as stored
  std::string checksum;    // xxh3-64 of the data file, hex
  std::string run_id;      // the run that wrote it
  std::string data_file;   // file name relative to the window's stage directory
};

// Reads a staged window back; the target pulls blocks of whole COPY text rows.
class StageReader {
 public:
  virtual ~StageReader() = default;
  virtual const Manifest& manifest() const = 0;
  // The next block of whole rows, empty at the end. The checksum and row count are
  // verified when the end is reached: a mismatch is a permanent error.
  virtual Result<std::string_view> next_block() = 0;
};

// A sink that becomes visible only at commit(): until then readers see the previous
// complete file or nothing.
class StageWriter : public RowSink {
 public:
  virtual Result<Manifest> commit() = 0;
};

class Stage {
 public:
  virtual ~Stage() = default;
  virtual Result<std::unique_ptr<StageWriter>> open_writer(const WindowContext& ctx) = 0;
  // nullopt when the window has no complete staged file (never written, wiped, other host).
  virtual Result<std::optional<Manifest>> find(const WindowContext& ctx) = 0;
  virtual Result<std::unique_ptr<StageReader>> open_reader(const WindowContext& ctx) = 0;
  // Removes whatever is staged for the window; only `ctx.pipeline` and `ctx.window.start`
  // name it.
  virtual Result<void> remove(const WindowContext& ctx) = 0;
  // Calls `visit` with the start of each window of `pipeline` that has anything staged
  // (complete or not), in no order, streaming: for the sweep of finished windows, which may
  // remove a window while the walk goes on. Stops at the first error `visit` returns.
  virtual Result<void> for_each_window(const PipelineId& pipeline,
                                       const std::function<Result<void>(Instant)>& visit) = 0;
};

// What a load did.
struct Loaded {
  std::int64_t rows = 0;  // the staged rows it took
  // An upsert's count of the target's rows holding the window's keys, taken in the load's own
  // transaction (only there are the keys at hand): what the audit compares with the source.
  std::optional<std::int64_t> held;
  // The rows the target's server said the load's own transaction wrote into the table
  // (PostgreSQL: the COPY's or INSERT's command tag), for `audit.target_count: loaded`; unset
  // when the server says nothing the adapter can trust (AdapterInfo::reports_loaded_rows).
  std::optional<std::int64_t> reported;
};

// A load in progress: blocks of whole COPY text rows go in, and nothing is visible in the
// target until commit(). Destroying it uncommitted rolls it back.
class TargetLoad {
 public:
  virtual ~TargetLoad() = default;
  virtual Result<void> put(std::string_view block) = 0;
  virtual Result<void> commit() = 0;
  // After commit(): Loaded::held of an upsert.
  virtual std::optional<std::int64_t> held() const { return std::nullopt; }
  // After commit(): Loaded::reported.
  virtual std::optional<std::int64_t> reported() const { return std::nullopt; }
};

class Target {
 public:
  virtual ~Target() = default;
  // Sets the columns every load adds, once, before the first load. Only a target whose
  // registry row has `sql_expressions` takes any: the config loader refuses the others.
  // By value: a sink, the targets that take columns keep them.
  // NOLINTNEXTLINE(performance-unnecessary-value-param)
  virtual Result<void> compute_columns(std::vector<ComputedColumn> columns) {
    if (columns.empty()) return {};
    return fail(Error::permanent("this target cannot compute columns with SQL expressions"));
  }
  // How the loads take the window's rows (`target.load`).
  virtual LoadMode mode() const { return LoadMode::replace_window; }
  // The rows of the window: those with the time column in it.
  virtual Result<std::int64_t> count(const WindowContext& ctx) = 0;
  // As Source's: whether count_each asks the target once for all its windows.
  virtual bool answers_windows_together() const { return false; }
  // count of each of `windows`, in their order; `ctx` names the first, and its deadline
  // bounds the call.
  virtual Result<std::vector<std::int64_t>> count_each(const WindowContext& ctx,
                                                       std::span<const Window> windows) {
    std::vector<std::int64_t> out;
    for (const auto& w : windows) {
      WindowContext one = ctx;
      one.window = w;
      auto n = count(one);
      if (!n) return fail(n.error());
      out.push_back(*n);
    }
    return out;
  }
  // Loads the staged rows in mode(), all or nothing: replaces the window's rows with them,
  // appends them, or upserts them by key.
  virtual Result<Loaded> load(const WindowContext& ctx, StageReader& staged) = 0;
  // The same load fed while the rows are being extracted, so that extracting and loading
  // overlap; nullptr when the target cannot, and the chain loads from the stage file once it
  // is written.
  virtual Result<std::unique_ptr<TargetLoad>> start_load(const WindowContext& ctx,
                                                         std::span<const Column> columns) {
    (void)ctx;
    (void)columns;
    return std::unique_ptr<TargetLoad>{};
  }
};

}  // namespace sluice::adapters
