#include "framework/notify/message.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "framework/core/utf8.hpp"

namespace sluice::notify {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxMessageBytes = 2000;  // of one event's error text
constexpr std::size_t kMaxLineBytes = 900;      // SMTP lines end before 998

std::string zone_name(const RenderContext& ctx) {
  return ctx.zone ? std::string(ctx.zone->name()) : "UTC";
}

std::string at_zone(Instant t, const RenderContext& ctx) {
  return time::format_in_zone(t, ctx.zone ? ctx.zone : time::utc_zone());
}

// Error texts come from servers: cut long ones at a character boundary.
std::string bounded(const std::string& text) {
  return storable_text(text, kMaxMessageBytes);
}

std::string window_text(const Event& e, const RenderContext& ctx) {
  if (!e.window_start || !e.window_end) return {};
  return fmt::format("{} to {} ({})", at_zone(*e.window_start, ctx), at_zone(*e.window_end, ctx),
                     zone_name(ctx));
}

std::string one_line(const Event& e, const RenderContext& ctx) {
  std::string line(headline(e.kind));
  if (const auto w = window_text(e, ctx); !w.empty()) line += ": window " + w;
  if (e.backfill_id) line += fmt::format(" (backfill {})", *e.backfill_id);
  return line;
}

json event_json(const Event& e, const RenderContext& ctx) {
  json out{{"id", e.id},
           {"event", to_string(e.kind)},
           {"pipeline", e.pipeline},
           {"window", nullptr},
           {"run_id", e.run_id.empty() ? json(nullptr) : json(e.run_id)},
           {"record_id", e.record_id ? json(*e.record_id) : json(nullptr)},
           {"backfill_id", e.backfill_id ? json(*e.backfill_id) : json(nullptr)},
           {"message", e.message.empty() ? json(nullptr) : json(bounded(e.message))},
           {"at", format_utc(e.at)},
           {"link", nullptr}};
  if (e.window_start && e.window_end)
    out["window"] = {{"start", at_zone(*e.window_start, ctx)},
                     {"end", at_zone(*e.window_end, ctx)},
                     {"zone", zone_name(ctx)}};
  if (const auto l = link_of(e, ctx); !l.empty()) out["link"] = l;
  return out;
}

// SMTP wants CRLF and lines under 998 bytes; a long line is folded.
std::string smtp_lines(const std::string& text) {
  std::string out;
  std::size_t col = 0;
  for (char c : text) {
    if (c == '\r') continue;
    if (c == '\n') {
      out += "\r\n";
      col = 0;
      continue;
    }
    if (col >= kMaxLineBytes && (static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      out += "\r\n";
      col = 0;
    }
    out += c;
    ++col;
  }
  return out;
}

}  // namespace

Message direct_message(const Event& e, std::string channel, std::string host) {
  return Message{.id = fmt::format("{}-{}", to_string(e.kind), e.at.time_since_epoch().count()),
                 .pipeline = e.pipeline,
                 .channel = std::move(channel),
                 .events = {e},
                 .count = 1,
                 .by_kind = {{e.kind, 1}},
                 .sent_at = e.at,
                 .host = std::move(host)};
}

std::string link_of(const Event& e, const RenderContext& ctx) {
  if (ctx.public_url.empty()) return {};
  if (e.record_id) return fmt::format("{}/#/records/{}", ctx.public_url, *e.record_id);
  if (e.backfill_id) return ctx.public_url + "/#/backfills";
  if (!e.pipeline.empty()) return ctx.public_url + "/#/pipelines/" + e.pipeline;
  return ctx.public_url + "/";
}

std::string subject(const Message& m, const RenderContext& ctx) {
  const std::string who = m.pipeline.empty() ? std::string("sluice") : m.pipeline;
  if (m.count <= 1 && !m.events.empty())
    return fmt::format("[sluice] {}: {}", who, one_line(m.events.front(), ctx));
  std::string parts;
  for (const auto& [kind, n] : m.by_kind) {
    if (!parts.empty()) parts += ", ";
    parts += fmt::format("{} {}", headline(kind), n);
  }
  return fmt::format("[sluice] {}: {} events ({})", who, m.count, parts);
}

std::string text_body(const Message& m, const RenderContext& ctx) {
  std::string out = subject(m, ctx) + "\n";
  for (const auto& e : m.events) {
    out += "\n- " + one_line(e, ctx) + "\n";
    if (!e.run_id.empty()) out += "  run ID: " + e.run_id + "\n";
    if (!e.message.empty()) out += "  " + bounded(e.message) + "\n";
    if (const auto l = link_of(e, ctx); !l.empty()) out += "  " + l + "\n";
  }
  if (m.count > static_cast<std::int64_t>(m.events.size()))
    out += fmt::format("\n... and {} more (sluicectl notifications list -p {})\n",
                       m.count - static_cast<std::int64_t>(m.events.size()), m.pipeline);
  out += fmt::format("\nsent by {} at {}\n", m.host, format_utc(m.sent_at));
  return out;
}

std::string webhook_json(const Message& m, const RenderContext& ctx) {
  json events = json::array();
  for (const auto& e : m.events) events.push_back(event_json(e, ctx));
  json out{{"type", "sluice.notification"},
           {"version", 1},
           {"id", m.id},
           {"pipeline", m.pipeline.empty() ? json(nullptr) : json(m.pipeline)},
           {"channel", m.channel},
           {"digest", m.count > 1},
           {"count", m.count},
           {"listed", m.events.size()},
           {"text", subject(m, ctx)},
           {"host", m.host},
           {"sent_at", format_utc(m.sent_at)},
           {"events", std::move(events)}};
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string slack_json(const Message& m, const RenderContext& ctx) {
  return json{{"text", text_body(m, ctx)}}.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string email_text(const Message& m, const RenderContext& ctx, const std::string& from,
                       const std::vector<std::string>& to) {
  std::string recipients;
  for (const auto& r : to) recipients += (recipients.empty() ? "" : ", ") + r;
  const std::string headers = fmt::format(
      "From: {}\r\nTo: {}\r\nSubject: {}\r\nMessage-ID: <{}@sluice>\r\nMIME-Version: 1.0\r\n"
      "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n"
      "X-Sluice-Event-Count: {}\r\n\r\n",
      from, recipients, smtp_lines(subject(m, ctx)), m.id, m.count);
  return headers + smtp_lines(text_body(m, ctx));
}

}  // namespace sluice::notify
