#include "framework/adapters/http/source.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "framework/adapters/http/block_pump.hpp"
#include "framework/adapters/http/client.hpp"
#include "framework/adapters/http/count.hpp"
#include "framework/adapters/http/page_scan.hpp"
#include "framework/adapters/http/records.hpp"
#include "framework/observe/log.hpp"

namespace sluice::adapters::http {
namespace {

using nlohmann::json;

// The value at the next pointer, when the scanner could not keep it apart: read from a DOM of
// the page (a configuration where the next pointer and the records overlap). The scanner has
// checked the page (valid, no deeper than max_json_depth); the value is moved out, not copied
// (a copy recurses).
Result<json> next_from_dom(std::string_view body, const std::string& pointer) {
  json page;
  try {
    page = json::parse(body);
  } catch (const json::exception& e) {
    // Valid JSON (the scanner said so) that a DOM cannot hold: a number beyond a double.
    return fail(Error::permanent(
        fmt::format("the value at {} cannot be read from the page: {}", pointer, e.what())));
  }
  try {
    const json::json_pointer p(pointer);
    if (page.contains(p)) return std::move(page.at(p));
  } catch (const json::exception&) {
  }
  return json();  // null: nothing there
}

class HttpSource final : public Source {
 public:
  HttpSource(SourceOptions options, std::vector<Column> columns, PageScanner rows,
             PageScanner counts)
      : options_(std::move(options)),
        columns_(std::move(columns)),
        rows_(std::move(rows)),
        counts_(std::move(counts)),
        limiter_(options_.client.rate_limit) {}

  Result<std::int64_t> count(const WindowContext& ctx) override {
    if (options_.count_path) return count_endpoint(ctx);
    std::int64_t n = 0;
    std::string block;
    auto walked = walk(ctx, counts_, block, false, nullptr, [&](std::int64_t records) {
      n += records;
      return Result<void>();
    });
    if (!walked) return fail(walked.error());
    return n;
  }

  // Pre-validation asks only this when the target's window is empty: the first page answers
  // it without reading the window.
  Result<bool> has_rows(const WindowContext& ctx) override {
    if (options_.count_path) return Source::has_rows(ctx);
    bool any = false;
    std::string block;
    auto walked = walk(ctx, counts_, block, true, nullptr, [&](std::int64_t records) {
      any = records > 0;
      return Result<void>();
    });
    if (!walked) return fail(walked.error());
    return any;
  }

  // The pages are fetched and scanned on a thread of their own while the caller's thread
  // writes the rows of the page before to the sink, as COPY text blocks.
  Result<std::int64_t> extract(const WindowContext& ctx, RowSink& sink) override {
    if (auto r = sink.begin(columns_); !r) return fail(r.error());
    std::int64_t n = 0;
    {
      BlockPump pump([&](BlockPump& out) -> Result<void> {
        std::string block = out.spare();
        return walk(ctx, rows_, block, false, &out.cancelled(),
                    [&](std::int64_t records) -> Result<void> {
                      if (records == 0) return {};
                      auto r = out.emit({std::move(block), records});
                      block = out.spare();
                      return r;
                    });
      });
      for (;;) {
        auto block = pump.next();
        if (!block) return fail(block.error());
        if (!*block) break;
        if (auto r = sink.copy_block((*block)->text, (*block)->rows); !r) return fail(r.error());
        n += (*block)->rows;
        pump.recycle(std::move((*block)->text));
      }
    }
    if (auto r = sink.end(); !r) return fail(r.error());
    return n;
  }

 private:
  time::TemplateContext template_context(const WindowContext& ctx) const {
    time::TemplateContext t{
        ctx.pipeline.value,
        ctx.window,
        ctx.zone ? ctx.zone : (options_.zone ? options_.zone : time::utc_zone()),
        {}};
    if (auto g = time::Granularity::from(time::Duration{0, ctx.window.length()}))
      t.granularity = *g;
    return t;
  }

  std::string url_of(const time::FieldTemplate& path, const time::TemplateContext& t) const {
    return UrlTemplate{options_.client.base_url.reveal(), path, options_.query}.render(t);
  }

  // Every page of the window in order (or the first only), each scanned once: its rows
  // appended to `block` (when `scanner` maps columns), then `on_page(records)`. The pages
  // are not kept: memory holds the one being scanned.
  template <class OnPage>
  Result<void> walk(const WindowContext& ctx, const PageScanner& scanner, std::string& block,
                    bool first_only, const std::atomic<bool>* cancel, OnPage on_page) {
    static const auto log = observe::logger("adapter.http");
    ApiClient client(options_.client, limiter_, cancel, ctx.deadline);
    const auto t = template_context(ctx);
    const std::string body = options_.body ? options_.body->render(t) : std::string();
    Pager pager(options_.pagination, url_of(options_.path, t));
    std::int64_t seen = 0;
    while (!pager.done()) {
      const std::string what = fmt::format("page {} of", pager.page());
      const auto in_page = [&](const Error& e) {
        return fail(
            Error{e.kind, fmt::format("{} {}: {}", what, client.shown(pager.url()), e.message)});
      };
      auto reply = client.fetch(what, options_.method, pager.url(), body);
      if (!reply) return fail(reply.error());
      auto page = scanner.scan(reply->body, block, seen + 1);
      if (!page) return in_page(page.error());
      seen += page->records;
      log->debug("{} {}: {} records", what, client.shown(pager.url()), page->records);
      json next;
      PageFacts facts{page->records, nullptr, reply->link};
      if (scanner.next_needs_dom()) {
        auto from_dom = next_from_dom(reply->body, options_.pagination.next_pointer);
        if (!from_dom) return in_page(from_dom.error());
        next = std::move(*from_dom);
        facts.next = &next;
      } else if (page->next) {
        next = json::parse(*page->next, nullptr, false);  // valid JSON: the scanner checked it
        if (next.is_discarded())  // but a number beyond a double's range is more than a DOM holds
          return in_page(Error::permanent(fmt::format("the value at {} is a number out of range",
                                                      options_.pagination.next_pointer)));
        facts.next = &next;
      }
      reply->body = std::string();  // the page is not needed while its rows are handed on
      if (auto r = on_page(page->records); !r) return fail(r.error());
      if (first_only) return {};
      if (auto r = pager.advance(facts); !r) return in_page(r.error());
    }
    return {};
  }

  Result<std::int64_t> count_endpoint(const WindowContext& ctx) {
    ApiClient client(options_.client, limiter_, nullptr, ctx.deadline);
    const std::string url = url_of(*options_.count_path, template_context(ctx));
    const std::string what = "count";
    auto reply = client.fetch(what, "GET", url, {});
    if (!reply) return fail(reply.error());
    auto n = parse_count(reply->body, options_.count_pointer, options_.client.max_json_depth);
    if (!n)
      return fail(
          Error{n.error().kind, fmt::format("count {}: {}", client.shown(url), n.error().message)});
    return *n;
  }

  SourceOptions options_;
  std::vector<Column> columns_;
  const PageScanner rows_;    // maps the columns
  const PageScanner counts_;  // only counts the records
  SharedRateLimiter limiter_;
};

}  // namespace

Result<std::unique_ptr<Source>> make_source(SourceOptions options) {
  // The mapping's own checks name the column whose pointer is wrong.
  auto mapping = RecordMapping::make(options.columns);
  if (!mapping) return fail(mapping.error());
  PageScanner::Options scan{options.records_pointer, {}, NextAt::nowhere, {}};
  scan.max_depth = options.client.max_json_depth;
  scan.next_at = next_at(options.pagination);
  scan.next_pointer = options.pagination.next_pointer;
  auto counts = PageScanner::make(scan);
  if (!counts) return fail(counts.error());
  for (const auto& [name, pointer] : options.columns) scan.columns.push_back(pointer);
  auto rows = PageScanner::make(std::move(scan));
  if (!rows) return fail(rows.error());
  return std::unique_ptr<Source>(
      new HttpSource(std::move(options), mapping->columns(), std::move(*rows), std::move(*counts)));
}

}  // namespace sluice::adapters::http
