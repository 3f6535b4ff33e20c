// The pipeline catalog: create, update, delete, roll back and validate definitions
// (admin), read their versions (viewer), run a window now (operator). The work is
// daemon/ops/catalog.cpp's and trigger.cpp's, shared with `sluicectl pipelines`.
#include <charconv>
#include <limits>

#include "daemon/api/body.hpp"
#include "daemon/api/handlers.hpp"
#include "daemon/ops/catalog.hpp"
#include "daemon/ops/selection.hpp"
#include "daemon/ops/trigger.hpp"
#include "framework/config/load.hpp"
#include "framework/core/ascii.hpp"

namespace sluice::api {
namespace {

using nlohmann::json;

std::string_view trim_ascii(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

// The definition is the body: YAML as it will be stored, or the same document as JSON.
Answer<std::string> definition_text(const Request& request) {
  const std::string_view type =
      std::string_view(request.content_type).substr(0, request.content_type.find(';'));
  for (const auto* known :
       {"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "application/json"})
    if (ascii_iequals(trim_ascii(type), known)) {
      if (request.body.empty()) return bad_input("body", "the body is empty: send the definition");
      return request.body;
    }
  return refuse({.status = 415,
                 .detail = request.content_type.empty()
                               ? "the body needs Content-Type: application/yaml (or JSON)"
                               : "Content-Type '" + request.content_type +
                                     "' is neither YAML (application/yaml) nor JSON",
                 .field = "Content-Type"});
}

// If-Match: "3" (or 3, or W/"3"); none when absent, which only DELETE allows.
Answer<std::optional<int>> if_match(const Request& request) {
  std::string_view v = trim_ascii(request.if_match);
  if (v.empty()) return std::optional<int>();
  if (v.starts_with("W/")) v.remove_prefix(2);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  int n = 0;
  const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || ptr != v.data() + v.size() || n < 1)
    return bad_input("If-Match", "'" + request.if_match +
                                     "' is not a version: send the ETag of the version you "
                                     "changed, e.g. \"3\"");
  return std::optional<int>(n);
}

Answer<int> version_param(const Call& call, std::string_view name) {
  const std::string& text = call.params.at(std::string(name));
  int n = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || ptr != text.data() + text.size() || n < 1)
    return bad_input(std::string(name), "'" + text + "' is not a version (a whole number from 1)");
  return n;
}

Response change_response(int status, const ops::CatalogChange& c) {
  auto r = json_response(status, {{"pipeline", c.pipeline.value},
                                  {"version", c.version},
                                  {"checksum", c.checksum},
                                  {"warnings", diagnostics_json(c.warnings)}});
  r.headers.emplace_back("ETag", "\"" + std::to_string(c.version) + "\"");
  return r;
}

json version_json(const store::Definition& d, bool with_text) {
  json out{{"version", d.version},
           {"origin", to_string(d.origin)},
           {"checksum", d.checksum},
           {"created_by", d.created_by},
           {"created_at", format_utc(d.created_at)},
           {"comment", d.comment},
           {"deleted", d.deleted}};
  if (d.origin == store::Origin::file) out["file"] = d.file;
  if (with_text) out["yaml"] = d.yaml;
  return out;
}

Answer<pqxx::connection*> database(Call& call) {
  auto db = call.services.database();
  if (!db) return unavailable(db.error());
  return *db;
}

Answer<ops::CatalogScope> scope_of(Call& call) {
  auto db = database(call);
  if (!db) return tl::unexpected(db.error());
  return ops::CatalogScope{call.services.config()->daemon.file, **db};
}

// What a create, an update and a delete read from the request: `?comment=`, If-Match, the
// definition (not for a delete), and the scope to work in.
struct Change {
  std::string comment;
  std::optional<int> if_match;
  std::string text;
  ops::CatalogScope scope;
};

Answer<Change> change_of(Call& call, bool with_text) {
  if (auto q = call.query.only({"comment"}); !q) return tl::unexpected(q.error());
  auto comment = call.query.text("comment");
  if (!comment) return tl::unexpected(comment.error());
  auto version = if_match(call.request);
  if (!version) return tl::unexpected(version.error());
  std::string text;
  if (with_text) {
    auto body = definition_text(call.request);
    if (!body) return tl::unexpected(body.error());
    text = std::move(*body);
  }
  auto scope = scope_of(call);
  if (!scope) return tl::unexpected(scope.error());
  return Change{comment->value_or(""), *version, std::move(text), *scope};
}

}  // namespace

Answer<Response> create_definition(Call& call) {
  auto c = change_of(call, true);
  if (!c) return tl::unexpected(c.error());
  auto made =
      ops::create_definition(c->scope, c->text, c->comment, audit_of(call, "pipeline create"));
  if (!made) return problem_of(made.error());
  auto r = change_response(201, *made);
  r.headers.emplace_back("Location", "/api/v1/pipelines/" + made->pipeline.value);
  return r;
}

Answer<Response> update_definition(Call& call) {
  auto c = change_of(call, true);
  if (!c) return tl::unexpected(c.error());
  if (!c->if_match)
    return refuse({.status = 428,
                   .detail = "an update needs If-Match with the version it was made from (the "
                             "ETag of GET .../versions or of the last change)",
                   .field = "If-Match"});
  auto changed = ops::update_definition(c->scope, call.params.at("id"), c->text, c->if_match,
                                        c->comment, audit_of(call, "pipeline update"));
  if (!changed) return problem_of(changed.error());
  return change_response(200, *changed);
}

Answer<Response> delete_definition(Call& call) {
  auto c = change_of(call, false);
  if (!c) return tl::unexpected(c.error());
  auto gone = ops::delete_definition(c->scope, call.params.at("id"), c->if_match, c->comment,
                                     audit_of(call, "pipeline delete"));
  if (!gone) return problem_of(gone.error());
  return change_response(200, *gone);
}

Answer<Response> rollback_definition(Call& call) {
  if (auto q = call.query.only({}); !q) return tl::unexpected(q.error());
  auto body = Body::parse(call.request, {"to", "comment"});
  if (!body) return tl::unexpected(body.error());
  auto to = body->integer("to", 1, std::numeric_limits<int>::max());
  if (!to) return tl::unexpected(to.error());
  if (!*to) return bad_input("to", "which version to roll back to: {\"to\": N}");
  auto comment = body->text("comment");
  if (!comment) return tl::unexpected(comment.error());
  auto scope = scope_of(call);
  if (!scope) return tl::unexpected(scope.error());
  auto back = ops::rollback_definition(*scope, call.params.at("id"), static_cast<int>(**to),
                                       comment->value_or(""), audit_of(call, "pipeline rollback"));
  if (!back) return problem_of(back.error());
  return change_response(200, *back);
}

Answer<Response> validate_definition(Call& call) {
  if (auto q = call.query.only({"id"}); !q) return tl::unexpected(q.error());
  auto id = call.query.text("id");
  if (!id) return tl::unexpected(id.error());
  auto text = definition_text(call.request);
  if (!text) return tl::unexpected(text.error());
  auto scope = scope_of(call);
  if (!scope) return tl::unexpected(scope.error());
  auto verdict = ops::check_definition(*scope, *text, id->value_or(""));
  if (!verdict) return problem_of(verdict.error());
  json out{{"id", verdict->id},
           {"valid", verdict->errors.empty() && !verdict->file_clash},
           {"errors", diagnostics_json(verdict->errors)},
           {"warnings", diagnostics_json(verdict->warnings)}};
  if (verdict->file_clash) out["file_clash"] = config::to_string(*verdict->file_clash);
  return json_response(200, out);
}

Answer<Response> list_versions(Call& call) {
  if (auto q = call.query.only({}); !q) return tl::unexpected(q.error());
  auto db = database(call);
  if (!db) return tl::unexpected(db.error());
  auto history = ops::definition_history(**db, call.params.at("id"));
  if (!history) return problem_of(history.error());
  json versions = json::array();
  for (const auto& d : *history) versions.push_back(version_json(d, false));
  return json_response(200, {{"pipeline", call.params.at("id")}, {"versions", versions}});
}

Answer<Response> get_version(Call& call) {
  if (auto q = call.query.only({}); !q) return tl::unexpected(q.error());
  auto n = version_param(call, "n");
  if (!n) return tl::unexpected(n.error());
  auto db = database(call);
  if (!db) return tl::unexpected(db.error());
  auto d = ops::definition_version(**db, call.params.at("id"), *n);
  if (!d) return problem_of(d.error());
  json out = version_json(*d, true);
  out["pipeline"] = d->pipeline.value;
  auto r = json_response(200, out);
  r.headers.emplace_back("ETag", "\"" + std::to_string(d->version) + "\"");
  return r;
}

Answer<Response> trigger_pipeline(Call& call) {
  if (auto q = call.query.only({}); !q) return tl::unexpected(q.error());
  auto body = Body::parse(call.request, {"window"}, true);
  if (!body) return tl::unexpected(body.error());
  auto window = body->text("window");
  if (!window) return tl::unexpected(window.error());
  const auto config = call.services.config();
  auto p = ops::find_pipeline(*config, call.params.at("id"));
  if (!p) return problem_of(p.error());
  std::optional<Instant> at;
  if (*window) {
    auto t = ops::parse_time(**window, "window", (*p)->zone, ops::Dialect::api);
    if (!t) return problem_of(t.error());
    at = *t;
  }
  auto db = database(call);
  if (!db) return tl::unexpected(db.error());
  auto done = ops::trigger_window(**db, *config, **p, at, call.services.now(),
                                  audit_of(call, "trigger", (*p)->id), call.services.host());
  if (!done) return problem_of(done.error());
  const bool made = done->action == ops::Triggered::Action::created;
  return json_response(made ? 201 : 200, {{"pipeline", (*p)->id.value},
                                          {"record", done->record},
                                          {"window_start", format_utc(done->window.start)},
                                          {"window_end", format_utc(done->window.end)},
                                          {"action", to_string(done->action)}});
}

}  // namespace sluice::api
