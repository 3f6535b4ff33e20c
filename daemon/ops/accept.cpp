#include "daemon/ops/accept.hpp"

#include <algorithm>

#include "daemon/ops/selection.hpp"
#include "framework/time/window_generator.hpp"
#include "framework/time/zone.hpp"

namespace sluice::ops {

using Kind = Refusal::Kind;

namespace {

std::size_t utf8_characters(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::string window_shown(const AcceptOrder& o) {
  return o.pipeline->id.value + "'s window starting " +
         time::format_in_zone(o.window_start, o.pipeline->zone);
}

}  // namespace

Outcome<AcceptOrder> resolve_accept(const config::Config& config, const AcceptInput& in,
                                    Dialect d) {
  const bool blank = std::all_of(in.reason.begin(), in.reason.end(), [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
  });
  if (blank)
    return refused(Kind::bad_input, "reason",
                   spell(d, "reason") + ": required: say why the failed window is accepted");
  if (const auto n = utf8_characters(in.reason); n > kMaxReasonCharacters)
    return refused(Kind::bad_input, "reason",
                   spell(d, "reason") + ": " + std::to_string(n) + " characters, at most " +
                       std::to_string(kMaxReasonCharacters));
  auto p = find_pipeline(config, in.pipeline);
  if (!p) return tl::unexpected(p.error());
  // sluicectl takes the window as its second argument, not as --window.
  const std::string name = d == Dialect::cli ? "WINDOW" : "window";
  if (in.window.empty()) return refused(Kind::bad_input, "window", name + ": required");
  auto at = time::parse_instant(in.window, (*p)->zone);
  if (!at) return refused(Kind::bad_input, "window", name + ": " + at.error());
  return AcceptOrder{
      .pipeline = *p, .window_start = time::floor_boundary((*p)->window, *at), .input = in};
}

Outcome<Accepted> mark_success(store::Operator& op, const AcceptOrder& order,
                               store::AuditEntry audit) {
  const auto& pipeline = *order.pipeline;
  audit.command = "mark-success";
  audit.pipeline = pipeline.id;
  audit.arguments = {{"window", order.input.window}};
  audit.message = order.input.reason;
  auto r = op.accept(pipeline.id, order.window_start, order.input.reason, audit);
  if (!r) return store_failed(r.error());
  if (!r->found) return refused(Kind::not_found, "window", "no record of " + window_shown(order));
  if (!r->accepted)
    return refused(Kind::conflict, "window",
                   window_shown(order) + " (record " + std::to_string(r->id) + ") is " +
                       std::string(store::to_string(r->status)) +
                       ": only a FAILED window can be marked a success; nothing was changed");
  return Accepted{.pipeline = &pipeline, .id = r->id, .window_start = order.window_start};
}

nlohmann::json accepted_json(const Accepted& a) {
  return {{"id", a.id},
          {"pipeline", a.pipeline->id.value},
          {"window_start", format_utc(a.window_start)},
          {"status", "SUCCESS"},
          {"audit_result", "ACCEPTED"}};
}

}  // namespace sluice::ops
