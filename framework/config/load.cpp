#include "framework/config/load.hpp"

#include <algorithm>
#include <map>

#include "framework/config/build.hpp"
#include "framework/schema/document_check.hpp"
#include "framework/schema/file_text.hpp"

namespace sluice::config {
namespace {

namespace fs = std::filesystem;

enum class Empty { allowed, error };

// The file's one YAML document; null for an empty file (when allowed). Problems go to diags.
std::optional<YAML::Node> read_yaml(const fs::path& path, Empty empty, Diagnostics& diags) {
  const std::string shown = path.string();
  const auto text = read_regular_file(path, kMaxConfigFileBytes);
  if (!text) {
    // The diagnostic names the file already: `FILE: cannot read: ...`, `FILE: is a FIFO...`.
    std::string why = text.error();
    if (why.starts_with("cannot read " + shown + ":")) why.erase(11, shown.size() + 1);
    if (why.starts_with(shown + " ")) why.erase(0, shown.size() + 1);
    diags.error({shown, 0, 0}, "", why);
    return std::nullopt;
  }
  auto parsed = parse_yaml_text(*text, shown, diags);
  if (!parsed) return std::nullopt;
  const std::vector<YAML::Node>& docs = *parsed;
  if (docs.size() > 1) {
    const auto mark = docs[1].Mark();
    diags.error({shown, mark.line + 1, mark.column + 1}, "",
                "a second YAML document: one file holds one document");
    return std::nullopt;
  }
  if (docs.empty() || docs.front().IsNull()) {
    if (empty == Empty::error) {
      diags.error({shown, 1, 1}, "", "the file is empty: a pipeline file holds one mapping");
      return std::nullopt;
    }
    return YAML::Node(YAML::NodeType::Map);
  }
  if (!check_document(docs.front(), shown, diags)) return std::nullopt;
  return docs.front();
}

CheckContext context_for(const fs::path& file, const LoadOptions& options, Diagnostics& diags) {
  CheckContext ctx;
  ctx.file = file.string();
  ctx.base_dir = file.parent_path();
  ctx.secrets.env = options.env;
  ctx.secrets.base_dir = ctx.base_dir;
  ctx.secrets.resolve = options.resolve_secrets;
  ctx.diags = &diags;
  return ctx;
}

std::optional<DaemonConfig> read_daemon(const fs::path& file, const LoadOptions& options,
                                        Diagnostics& diags) {
  auto root = read_yaml(file, Empty::allowed, diags);
  if (!root) return std::nullopt;
  DaemonConfig daemon = build_daemon(*root, context_for(file, options, diags));
  daemon.file = file;
  return daemon;
}

std::vector<PipelineConfig> read_pipelines(const DaemonConfig& daemon, const LoadOptions& options,
                                           Diagnostics& diags) {
  std::vector<PipelineConfig> out;
  const fs::path& dir = daemon.pipelines_dir;
  if (!daemon.fields.get<std::string>("pipelines_dir")) return out;  // reported already
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    // The default directory may be absent (no pipelines yet); a directory named on purpose
    // must exist.
    if (daemon.fields.is_set("pipelines_dir")) {
      daemon.fields.error(diags, "pipelines_dir",
                          fs::exists(dir, ec) ? dir.string() + " is not a directory"
                                              : "directory " + dir.string() + " does not exist");
    }
    return out;
  }
  std::map<std::string, Location> ids;
  for (const auto& file : pipeline_files(dir)) {
    auto root = read_yaml(file, Empty::error, diags);
    if (!root) continue;
    PipelineConfig p = build_pipeline(*root, daemon, context_for(file, options, diags));
    if (!p.id.value.empty() && p.fields.get<std::string>("id")) {
      const Location where = p.fields.where_of("id");
      const auto [first, inserted] = ids.emplace(p.id.value, where);
      if (!inserted) {
        diags.error(where, "id",
                    "duplicate pipeline id '" + p.id.value + "' (also defined in " +
                        to_string(first->second) + ")");
      }
    }
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace

const ConnectionConfig* DaemonConfig::find_connection(std::string_view name) const {
  for (const auto& c : connections) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

const PipelineConfig* Config::find_pipeline(std::string_view id) const {
  for (const auto& p : pipelines) {
    if (p.id.value == id) return &p;
  }
  return nullptr;
}

std::vector<std::filesystem::path> pipeline_files(const std::filesystem::path& pipelines_dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(pipelines_dir, ec)) {
    const fs::path& p = entry.path();
    const std::string name = p.filename().string();
    const std::string ext = p.extension().string();
    if (name.empty() || name.front() == '.' || (ext != ".yaml" && ext != ".yml")) continue;
    // Not only regular files: a FIFO, socket or directory named like a pipeline file is
    // reported when read (without blocking), not silently left out.
    out.push_back(p);
  }
  std::sort(out.begin(), out.end());
  return out;
}

tl::expected<DaemonConfig, Diagnosed> load_daemon_config(const std::filesystem::path& daemon_file,
                                                         const LoadOptions& options) {
  Diagnostics diags;
  auto daemon = read_daemon(daemon_file, options, diags);
  if (!diags.empty() || !daemon) return tl::unexpected(diags.sorted());
  return std::move(*daemon);
}

tl::expected<Config, Diagnosed> load_config(const std::filesystem::path& daemon_file,
                                            const LoadOptions& options) {
  Diagnostics diags;
  auto daemon = read_daemon(daemon_file, options, diags);
  if (!daemon) return tl::unexpected(diags.sorted());
  // Pipelines are checked even when the daemon file has errors: everything at once.
  auto pipelines = read_pipelines(*daemon, options, diags);
  if (!diags.empty()) return tl::unexpected(diags.sorted());
  return Config{std::move(*daemon), std::move(pipelines), diags.sorted_warnings()};
}

}  // namespace sluice::config
