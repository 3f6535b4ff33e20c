// `sluicectl connections test [NAME...]`: each connection's adapter probe (connect, ask
// something cheap), secrets redacted in every message; exit 1 if any failed.
#include <chrono>
#include <memory>
#include <ostream>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "daemon/ctl/loaded_config.hpp"
#include "daemon/ctl/output.hpp"
#include "framework/adapters/registry.hpp"
#include "framework/core/suggest.hpp"
#include "framework/store/database.hpp"

namespace sluice::ctl {
namespace {

const config::ConnectionConfig& find_connection(const config::Config& config,
                                                const std::string& name) {
  std::vector<std::string_view> names;
  for (const auto& c : config.daemon.connections) {
    if (c.name == name) return c;
    names.push_back(c.name);
  }
  std::string message = "unknown connection '" + name + "'";
  if (auto near = closest_match(name, names)) message += " (did you mean '" + *near + "'?)";
  message += "; connections:";
  for (auto n : names) message += " " + std::string(n);
  throw UsageError(message);
}

int run_test(Context& ctx, const std::vector<std::string>& only) {
  const auto config = load_pipelines(ctx);
  std::vector<const config::ConnectionConfig*> connections;
  connections.reserve(only.empty() ? config.daemon.connections.size() : only.size());
  for (const auto& name : only) connections.push_back(&find_connection(config, name));
  if (only.empty())
    for (const auto& c : config.daemon.connections) connections.push_back(&c);

  bool any_failed = false;
  nlohmann::json list = nlohmann::json::array();
  std::vector<std::vector<std::string>> rows;
  for (const auto* c : connections) {
    const auto started = std::chrono::steady_clock::now();
    std::string state, message, kind_of_error;
    if (!c->adapter || !c->adapter->probe) {
      state = "untested";
      message = "kind '" + std::string(c->kind()) + "' has no probe in this build";
    } else if (auto answer = c->adapter->probe(*c)) {
      state = "ok";
      message = *answer;
    } else {
      state = "failed";
      kind_of_error = std::string(to_string(answer.error().kind));
      message = answer.error().message;
      any_failed = true;
    }
    // Whatever an adapter forgot to scrub, a URL's password is not printed.
    message = store::redact_secrets(message);
    // libpq's hints come on lines of their own; one line per connection.
    for (char& ch : message)
      if (ch == '\n' || ch == '\t') ch = ' ';
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    nlohmann::json item{{"connection", c->name},
                        {"kind", c->kind()},
                        {"state", state},
                        {"message", message},
                        {"milliseconds", ms.count()}};
    if (!kind_of_error.empty()) item["error_kind"] = kind_of_error;
    list.push_back(item);
    rows.push_back(
        {c->name, std::string(c->kind()), state, std::to_string(ms.count()) + "ms",
         kind_of_error.empty() ? message : fmt::format("{}: {}", kind_of_error, message)});
  }
  if (ctx.output == Output::json) {
    *ctx.out << json_text(list) << "\n";
  } else {
    print_table(*ctx.out, {"CONNECTION", "KIND", "STATE", "TOOK", "MESSAGE"}, rows);
  }
  return any_failed ? kExitFailed : kExitOk;
}

}  // namespace

void add_connections_command(CLI::App& app, Context& ctx) {
  auto* connections = app.add_subcommand("connections", "the named connections of the config");
  connections->require_subcommand(1);
  auto* test = connections->add_subcommand(
      "test", "connect to each and ask something cheap; exit 1 if any failed");
  auto only = std::make_shared<std::vector<std::string>>();
  test->add_option("name", *only, "only these connections (default: all)");
  test->callback([&ctx, only] { ctx.exit_code = run_test(ctx, *only); });
}

}  // namespace sluice::ctl
