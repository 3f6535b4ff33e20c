// `sluicectl config show` (the effective config, secrets redacted) and `config keys` (the key
// reference, generated from the tables that validate the config).
#include <memory>
#include <ostream>

#include <CLI/CLI.hpp>

#include "daemon/ctl/context.hpp"
#include "daemon/ctl/output.hpp"
#include "framework/config/database_url.hpp"
#include "framework/config/keys.hpp"
#include "framework/config/load.hpp"
#include "framework/config/show.hpp"

namespace sluice::ctl {
namespace {

int run_show(Context& ctx, bool skip_secrets) {
  const config::LoadOptions options{nullptr, !skip_secrets};
  const auto loaded = config::load_config(ctx.config_path, options);
  if (!loaded) {
    config::print_diagnostics(*ctx.err, ctx.config_path, loaded.error());
    return kExitFailed;
  }
  // cli.cpp pre-fills ctx.database_url from the environment; hand the value back to the
  // environment so the origin shown is the right one.
  const auto env = config::Environment::process();
  const std::string flag =
      env.get(config::kDatabaseUrlEnv) == ctx.database_url ? std::string() : ctx.database_url;
  std::optional<config::DatabaseUrl> database;
  if (auto url = config::resolve_database_url(flag, &loaded->daemon.database, env)) {
    database = *url;
  }
  const auto shown = config::effective_config(*loaded, database);
  if (ctx.output == Output::json) {
    *ctx.out << json_text(shown) << "\n";
  } else {
    *ctx.out << config::to_yaml(shown);
  }
  return kExitOk;
}

}  // namespace

void add_config_command(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("config", "show the effective config or its key reference");
  cmd->require_subcommand(1);
  auto* show = cmd->add_subcommand(
      "show", "the effective config: every key with defaults filled in, secrets redacted");
  auto skip_secrets = std::make_shared<bool>(false);
  show->add_flag("--skip-secrets", *skip_secrets, "do not read secret references");
  show->callback([&ctx, skip_secrets] { ctx.exit_code = run_show(ctx, *skip_secrets); });
  auto* keys = cmd->add_subcommand("keys", "print the reference of every config key (Markdown)");
  keys->callback([&ctx] { *ctx.out << config::render_key_reference(); });
}

}  // namespace sluice::ctl
