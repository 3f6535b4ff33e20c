// `sluicectl validate`: the operator's (and their CI's) check of a config before deploying it.
#include <memory>
#include <ostream>

#include <CLI/CLI.hpp>

#include "daemon/ctl/context.hpp"
#include "daemon/ctl/output.hpp"
#include "framework/config/load.hpp"
#include "framework/config/show.hpp"

namespace sluice::ctl {
namespace {

int run_validate(Context& ctx, bool skip_secrets) {
  const config::LoadOptions options{nullptr, !skip_secrets};
  const auto loaded = config::load_config(ctx.config_path, options);
  if (ctx.output == Output::json) {
    nlohmann::ordered_json out;
    out["valid"] = loaded.has_value();
    out["file"] = ctx.config_path;
    out["connections"] = nlohmann::ordered_json::array();
    out["pipelines"] = nlohmann::ordered_json::array();
    if (loaded) {
      for (const auto& c : loaded->daemon.connections) out["connections"].push_back(c.name);
      for (const auto& p : loaded->pipelines) out["pipelines"].push_back(p.id.value);
    }
    out["errors"] = config::diagnostics_json(loaded ? config::Diagnosed{} : loaded.error());
    out["warnings"] = config::diagnostics_json(loaded ? loaded->warnings : config::Diagnosed{});
    *ctx.out << json_text(out) << "\n";
    return loaded ? kExitOk : kExitFailed;
  }
  if (!loaded) {
    config::print_diagnostics(*ctx.err, ctx.config_path, loaded.error());
    return kExitFailed;
  }
  for (const auto& w : loaded->warnings) *ctx.err << "warning: " << to_string(w) << "\n";
  *ctx.out << "valid: " << ctx.config_path << ": " << loaded->daemon.connections.size()
           << " connection(s), " << loaded->pipelines.size() << " pipeline(s)"
           << (skip_secrets ? " (secrets not read)" : "") << "\n";
  return kExitOk;
}

}  // namespace

void add_validate_command(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand(
      "validate", "check the daemon file and every pipeline file; list every error (exit 1)");
  auto skip_secrets = std::make_shared<bool>(false);
  cmd->add_flag("--skip-secrets", *skip_secrets,
                "check secret references without reading them (CI without the secrets)");
  cmd->callback([&ctx, skip_secrets] { ctx.exit_code = run_validate(ctx, *skip_secrets); });
}

}  // namespace sluice::ctl
