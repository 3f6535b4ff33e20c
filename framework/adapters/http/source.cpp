#include "framework/adapters/http/source.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "framework/adapters/http/client.hpp"
#include "framework/adapters/http/records.hpp"
#include "framework/observe/log.hpp"

namespace sluice::adapters::http {
namespace {

using nlohmann::json;

// Parses a page; a malformed one is a permanent error naming the page, the URL and where
// the JSON broke (nlohmann's message gives the byte).
Result<json> parse_page(std::string_view body, std::string_view what, std::string_view url) {
  try {
    return json::parse(body);
  } catch (const json::parse_error& e) {
    return fail(Error::permanent(
        fmt::format("{} {}: malformed JSON ({} bytes): {}", what, url, body.size(), e.what())));
  }
}

class HttpSource final : public Source {
 public:
  HttpSource(SourceOptions options, RecordMapping mapping)
      : options_(std::move(options)),
        mapping_(std::move(mapping)),
        limiter_(options_.client.rate_limit) {}

  Result<std::int64_t> count(const WindowContext& ctx) override {
    if (options_.count_path) return count_endpoint(ctx);
    std::int64_t n = 0;
    auto walked = walk(ctx, [&](const json& records) -> Result<void> {
      n += static_cast<std::int64_t>(records.size());
      return {};
    });
    if (!walked) return fail(walked.error());
    return n;
  }

  // Pre-validation asks only this when the target's window is empty: the first page answers
  // it without reading the window.
  Result<bool> has_rows(const WindowContext& ctx) override {
    if (options_.count_path) return Source::has_rows(ctx);
    bool any = false;
    auto walked = walk(
        ctx,
        [&](const json& records) -> Result<void> {
          any = !records.empty();
          return {};
        },
        true);
    if (!walked) return fail(walked.error());
    return any;
  }

  Result<std::int64_t> extract(const WindowContext& ctx, RowSink& sink) override {
    if (auto r = sink.begin(mapping_.columns()); !r) return fail(r.error());
    std::int64_t n = 0;
    std::vector<std::string> texts;
    std::vector<Field> fields;
    auto walked = walk(ctx, [&](const json& records) -> Result<void> {
      for (const auto& record : records) {
        if (auto m = mapping_.map(record, texts, fields); !m)
          return fail(Error::permanent(fmt::format("record {}: {}", n + 1, m.error().message)));
        if (auto r = sink.row(fields); !r) return fail(r.error());
        ++n;
      }
      return {};
    });
    if (!walked) return fail(walked.error());
    if (auto r = sink.end(); !r) return fail(r.error());
    return n;
  }

 private:
  time::TemplateContext template_context(const WindowContext& ctx) const {
    time::TemplateContext t{
        ctx.pipeline.value, ctx.window,
        ctx.zone ? ctx.zone : (options_.zone ? options_.zone : time::utc_zone()), {}};
    if (auto g = time::Granularity::from(time::Duration{0, ctx.window.length()}))
      t.granularity = *g;
    return t;
  }

  std::string url_of(const time::FieldTemplate& path, const time::TemplateContext& t) const {
    return UrlTemplate{options_.client.base_url.reveal(), path, options_.query}.render(t);
  }

  // Every page of the window in order (or the first only), each page's records array handed
  // to `on_page`.
  template <class OnPage>
  Result<void> walk(const WindowContext& ctx, OnPage on_page, bool first_only = false) {
    static const auto log = observe::logger("adapter.http");
    ApiClient client(options_.client, limiter_);
    const auto t = template_context(ctx);
    const std::string body = options_.body ? options_.body->render(t) : std::string();
    Pager pager(options_.pagination, url_of(options_.path, t));
    while (!pager.done()) {
      const std::string what = fmt::format("page {} of", pager.page());
      auto reply = client.fetch(what, options_.method, pager.url(), body);
      if (!reply) return fail(reply.error());
      auto page = parse_page(reply->body, what, client.shown(pager.url()));
      if (!page) return fail(page.error());
      auto records = records_at(*page, options_.records_pointer);
      if (!records)
        return fail(Error::permanent(
            fmt::format("{} {}: {}", what, client.shown(pager.url()), records.error().message)));
      if (auto r = on_page(**records); !r) {
        r.error().message =
            fmt::format("{} {}: {}", what, client.shown(pager.url()), r.error().message);
        return fail(r.error());
      }
      log->debug("{} {}: {} records", what, client.shown(pager.url()), (*records)->size());
      if (first_only) return {};
      if (auto r = pager.advance({*page, **records, reply->link}); !r)
        return fail(Error::permanent(
            fmt::format("{} {}: {}", what, client.shown(pager.url()), r.error().message)));
    }
    return {};
  }

  Result<std::int64_t> count_endpoint(const WindowContext& ctx) {
    ApiClient client(options_.client, limiter_);
    const std::string url = url_of(*options_.count_path, template_context(ctx));
    const std::string what = "count";
    auto reply = client.fetch(what, "GET", url, {});
    if (!reply) return fail(reply.error());
    auto doc = parse_page(reply->body, what, client.shown(url));
    if (!doc) return fail(doc.error());
    const json* v = nullptr;
    try {
      const json::json_pointer p(options_.count_pointer);
      if (doc->contains(p)) v = &doc->at(p);
    } catch (const json::exception&) {
    }
    std::int64_t n = -1;
    if (v && v->is_number_integer()) {
      n = v->get<std::int64_t>();
    } else if (v && v->is_string()) {
      // Some APIs quote large counts; anything but digits is refused below.
      const auto& s = v->get_ref<const std::string&>();
      if (!s.empty() && s.find_first_not_of("0123456789") == std::string::npos && s.size() < 19)
        n = std::stoll(s);
    }
    if (n < 0)
      return fail(Error::permanent(fmt::format(
          "count {}: expected a count (a non-negative integer) at {}, found {}", client.shown(url),
          options_.count_pointer, v ? v->dump().substr(0, 80) : std::string("nothing"))));
    return n;
  }

  SourceOptions options_;
  RecordMapping mapping_;
  SharedRateLimiter limiter_;
};

}  // namespace

Result<std::unique_ptr<Source>> make_source(SourceOptions options) {
  auto mapping = RecordMapping::make(options.columns);
  if (!mapping) return fail(mapping.error());
  return std::unique_ptr<Source>(new HttpSource(std::move(options), std::move(*mapping)));
}

}  // namespace sluice::adapters::http
