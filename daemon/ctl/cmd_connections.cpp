// `sluicectl connections test [NAME...]`: each connection's adapter probe (connect, ask
// something cheap), secrets redacted in every message; exit 1 if any failed.
#include <memory>
#include <ostream>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "daemon/ctl/loaded_config.hpp"
#include "daemon/ctl/output.hpp"
#include "daemon/ops/connections.hpp"

namespace sluice::ctl {
namespace {

int run_test(Context& ctx, const std::vector<std::string>& only) {
  const auto config = load_pipelines(ctx);
  std::vector<const config::ConnectionConfig*> connections;
  connections.reserve(only.empty() ? config.daemon.connections.size() : only.size());
  for (const auto& name : only) connections.push_back(take(ops::find_connection(config, name)));
  if (only.empty())
    for (const auto& c : config.daemon.connections) connections.push_back(&c);

  bool any_failed = false;
  nlohmann::json list = nlohmann::json::array();
  std::vector<std::vector<std::string>> rows;
  for (const auto* c : connections) {
    auto item = ops::test_connection(*c);
    const std::string state = item["state"];
    const std::string message = item["message"];
    const std::string error_kind = item.value("error_kind", "");
    any_failed = any_failed || state == "failed";
    rows.push_back({c->name, std::string(c->kind()), state,
                    std::to_string(item["milliseconds"].get<std::int64_t>()) + "ms",
                    error_kind.empty() ? message : fmt::format("{}: {}", error_kind, message)});
    list.push_back(std::move(item));
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
