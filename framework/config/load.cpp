#include "framework/config/load.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <iterator>
#include <map>
#include <set>
#include <thread>

#include "framework/config/build.hpp"
#include "framework/config/id_scan.hpp"
#include "framework/config/naming.hpp"
#include "framework/config/show.hpp"
#include "framework/schema/document_check.hpp"
#include "framework/schema/file_text.hpp"

namespace sluice::config {
namespace {

namespace fs = std::filesystem;

enum class Empty { allowed, error };

// The text's one YAML document; null for an empty text (when allowed). Problems go to diags,
// at `shown`.
std::optional<YAML::Node> parse_document(std::string_view text, const std::string& shown,
                                         Empty empty, Diagnostics& diags) {
  auto parsed = parse_yaml_text(text, shown, diags);
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

// A file's text as read_regular_file gives it, or why it could not be read.
using FileText = tl::expected<std::string, std::string>;

// The file's one YAML document (see parse_document), from its text as read.
std::optional<YAML::Node> yaml_of(const fs::path& path, const FileText& text, Empty empty,
                                  Diagnostics& diags) {
  const std::string shown = path.string();
  if (!text) {
    // The diagnostic names the file already: `FILE: cannot read: ...`, `FILE: is a FIFO...`.
    std::string why = text.error();
    if (why.starts_with("cannot read " + shown + ":")) why.erase(11, shown.size() + 1);
    if (why.starts_with(shown + " ")) why.erase(0, shown.size() + 1);
    diags.error({shown, 0, 0}, "", why);
    return std::nullopt;
  }
  return parse_document(*text, shown, empty, diags);
}

std::optional<YAML::Node> read_yaml(const fs::path& path, Empty empty, Diagnostics& diags) {
  return yaml_of(path, read_regular_file(path, kMaxConfigFileBytes), empty, diags);
}

CheckContext context_for(const fs::path& file, const LoadOptions& options, Diagnostics& diags,
                         const fs::path* base_dir = nullptr) {
  CheckContext ctx;
  ctx.file = file.string();
  ctx.base_dir = base_dir ? *base_dir : file.parent_path();
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

// One pipeline file as read, with its own diagnostics: failure isolation quarantines it
// alone when they hold an error.
struct PipelineFile {
  fs::path file;
  std::optional<PipelineConfig> pipeline;  // none when its YAML could not be read
  Diagnostics diags;
  std::optional<Location> id_at;       // where its id is, when it has a readable one
  std::optional<int> catalog_version;  // a catalog definition (file: `catalog:ID`)
};

// LoadOptions::keep_fields false: what is read of the checked tree after the load is kept
// apart, and the tree let go (as each file is built, so a load's peak does not hold them all).
void let_go_of_fields(PipelineFile& f, const LoadOptions& options) {
  if (options.keep_fields || !f.pipeline) return;
  PipelineConfig& p = *f.pipeline;
  p.shown = packed_config_json(p);
  if (const Fields* t = p.fields.section("transform")) p.transform_fields = *t;
  p.fields = Fields();
  // Copied now that the file's YAML tree and checked tree are freed: the copy fills their
  // holes, so each of thousands of pipelines kept does not pin pages of the load's garbage
  // (glibc gives back only whole free pages; malloc_trim after the load).
  PipelineConfig compact = p;
  p = std::move(compact);
}

// Files sharing an id: a catalog definition is the one loaded, else the first valid file in
// file-name order (the first of them when none is valid); each other one gets an error
// naming it.
void check_duplicate_ids(std::vector<PipelineFile>& files) {
  std::map<std::string, std::vector<PipelineFile*>> by_id;
  for (auto& f : files)
    if (f.id_at) by_id[f.pipeline->id.value].push_back(&f);
  for (auto& [id, group] : by_id) {
    if (group.size() < 2) continue;
    const auto catalog = std::find_if(group.begin(), group.end(),
                                      [](const PipelineFile* f) { return f->catalog_version; });
    const auto valid = std::find_if(group.begin(), group.end(),
                                    [](const PipelineFile* f) { return f->diags.empty(); });
    const PipelineFile* kept = catalog != group.end() ? *catalog
                               : valid != group.end() ? *valid
                                                      : group.front();
    std::string why;
    if (kept->catalog_version)
      why = " (version " + std::to_string(*kept->catalog_version) +
            "), which is the one loaded: remove this file, or delete the catalog pipeline";
    else if (valid != group.end())
      why = ", which is the one loaded (the first valid file in file-name order)";
    else
      why = " (the first valid file in file-name order is the one loaded)";
    for (auto* f : group) {
      if (f == kept) continue;
      std::string message = "duplicate pipeline id '" + id + "': also defined in ";
      message += to_string(*kept->id_at);
      message += why;
      f->diags.error(*f->id_at, "id", std::move(message));
    }
  }
}

// A catalog definition, read like a file named `catalog:ID`; its `id` must be that ID.
PipelineFile read_catalog(const CatalogDefinition& d, const DaemonConfig& daemon,
                          const LoadOptions& options, const Diagnostics& diags) {
  PipelineFile f{catalog_file(d.id), std::nullopt, diags.with_same_masks(), std::nullopt,
                 d.version};
  const fs::path shown = catalog_location(d);
  const fs::path base = daemon.file.parent_path();
  if (auto root = parse_document(d.yaml, shown.string(), Empty::error, f.diags)) {
    f.pipeline = build_pipeline(*root, daemon, context_for(shown, options, f.diags, &base));
    f.pipeline->file = f.file;
    f.pipeline->catalog_version = d.version;
    f.pipeline->text = d.yaml;
    if (!f.pipeline->id.value.empty() && f.pipeline->fields.get<std::string>("id")) {
      f.id_at = f.pipeline->fields.where_of("id");
      if (f.pipeline->id.value != d.id)
        f.diags.error(*f.id_at, "id",
                      "the catalog holds this definition as pipeline '" + d.id +
                          "': its id cannot change (create a new pipeline instead)");
    }
  }
  let_go_of_fields(f, options);
  return f;
}

// One pipeline file, from its text as read.
PipelineFile read_file(const fs::path& file, FileText text, const DaemonConfig& daemon,
                       const LoadOptions& options, const Diagnostics& diags) {
  PipelineFile f{file, std::nullopt, diags.with_same_masks(), std::nullopt, std::nullopt};
  if (auto root = yaml_of(file, text, Empty::error, f.diags)) {
    f.pipeline = build_pipeline(*root, daemon, context_for(file, options, f.diags));
    f.pipeline->text = std::move(*text);
    if (!f.pipeline->id.value.empty() && f.pipeline->fields.get<std::string>("id"))
      f.id_at = f.pipeline->fields.where_of("id");
  }
  let_go_of_fields(f, options);
  return f;
}

// The pipeline files of the daemon's pipelines_dir, in name order; a missing directory
// named on purpose is the daemon file's error (in `diags`).
std::vector<fs::path> listed_files(const DaemonConfig& daemon, Diagnostics& diags) {
  const fs::path& dir = daemon.pipelines_dir;
  if (!daemon.fields.get<std::string>("pipelines_dir")) return {};  // reported already
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    // The default directory may be absent (no pipelines yet); a directory named on purpose
    // must exist.
    if (daemon.fields.is_set("pipelines_dir")) {
      daemon.fields.error(diags, "pipelines_dir",
                          fs::exists(dir, ec) ? dir.string() + " is not a directory"
                                              : "directory " + dir.string() + " does not exist");
    }
    return {};
  }
  return pipeline_files(dir);
}

void add_upstreams(const PipelineFile& f, std::set<std::string>& wanted) {
  if (!f.pipeline) return;
  for (const auto& d : f.pipeline->depends_on) wanted.insert(d.upstream.value);
}

// LoadOptions::only: the files and catalog definitions that may hold a wanted id, or the id
// of an upstream of one (depends_on, transitively), in the order of a whole load. A file is
// built when the scan of its text finds a wanted id, when its name (what a file without a
// readable id is quarantined as) is one, or when the scan is unsure; so every file that a
// whole load would load or quarantine under a wanted id is among them, with the files its
// checks across files look at (ids shared, the dependency graph above it).
std::vector<PipelineFile> read_wanted(const std::vector<fs::path>& files,
                                      const DaemonConfig& daemon, const LoadOptions& options,
                                      const Diagnostics& diags) {
  if (options.only->empty()) return {};
  const std::size_t n_files = files.size();
  static const std::vector<CatalogDefinition> kNone;
  const auto& catalog = options.catalog ? *options.catalog : kNone;
  std::vector<FileText> texts;
  std::vector<std::optional<std::string>> scanned;  // none: unsure
  texts.reserve(n_files);
  scanned.reserve(n_files);
  for (const auto& file : files) {
    texts.push_back(read_regular_file(file, kMaxConfigFileBytes));
    scanned.push_back(texts.back() ? scanned_id(*texts.back()) : std::nullopt);
  }
  // A definition is held under its catalog id, but checked under the id its text holds.
  std::vector<std::optional<std::string>> scanned_catalog;
  scanned_catalog.reserve(catalog.size());
  for (const auto& d : catalog) scanned_catalog.push_back(scanned_id(d.yaml));
  std::vector<std::optional<PipelineFile>> read(n_files + catalog.size());
  std::set<std::string> wanted(options.only->begin(), options.only->end()), done;
  while (done.size() < wanted.size()) {
    std::set<std::string> round;
    std::set_difference(wanted.begin(), wanted.end(), done.begin(), done.end(),
                        std::inserter(round, round.end()));
    done.insert(round.begin(), round.end());
    for (std::size_t i = 0; i < n_files; ++i) {
      if (read[i] ||
          (scanned[i] && !round.count(*scanned[i]) && !round.count(files[i].stem().string())))
        continue;
      read[i] = read_file(files[i], std::move(texts[i]), daemon, options, diags);
      add_upstreams(*read[i], wanted);
    }
    for (std::size_t j = 0; j < catalog.size(); ++j) {
      const auto& text_id = scanned_catalog[j];
      if (read[n_files + j] || (!round.count(catalog[j].id) && text_id && !round.count(*text_id)))
        continue;
      read[n_files + j] = read_catalog(catalog[j], daemon, options, diags);
      add_upstreams(*read[n_files + j], wanted);
    }
  }
  std::vector<PipelineFile> out;
  for (auto& f : read)
    if (f) out.push_back(std::move(*f));
  return out;
}

// Every file, each read and checked alone on all cores (at most kMaxReaders), in name
// order: one core took 2-3 s for 10,000 files, all of it in yaml-cpp and the key checks.
// The checks across files come after, on the results.
std::vector<PipelineFile> read_files(const std::vector<fs::path>& files, const DaemonConfig& daemon,
                                     const LoadOptions& options, const Diagnostics& diags) {
  constexpr std::size_t kMaxReaders = 8, kFilesPerReader = 64;
  std::vector<std::optional<PipelineFile>> read(files.size());
  std::atomic<std::size_t> next{0};
  auto reader = [&]() -> std::exception_ptr {
    try {
      for (std::size_t i = next++; i < files.size(); i = next++)
        read[i] = read_file(files[i], read_regular_file(files[i], kMaxConfigFileBytes), daemon,
                            options, diags);
    } catch (...) {
      next = files.size();  // the others stop at their next file
      return std::current_exception();
    }
    return nullptr;
  };
  const std::size_t readers = std::clamp<std::size_t>(
      std::min<std::size_t>(std::thread::hardware_concurrency(), files.size() / kFilesPerReader), 1,
      kMaxReaders);
  std::vector<std::exception_ptr> failed(readers);
  std::vector<std::thread> others;
  for (std::size_t k = 1; k < readers; ++k) others.emplace_back([&, k] { failed[k] = reader(); });
  failed[0] = reader();
  for (auto& t : others) t.join();
  for (const auto& e : failed)
    if (e) std::rethrow_exception(e);
  std::vector<PipelineFile> out;
  out.reserve(files.size());
  for (auto& f : read) out.push_back(std::move(*f));
  return out;
}

// The pipeline files, then the catalog's definitions (those LoadOptions::only asks for),
// each checked alone and then together (ids, naming, the dependency graph, lineage).
std::vector<PipelineFile> read_pipelines(const DaemonConfig& daemon, const LoadOptions& options,
                                         Diagnostics& diags) {
  const auto files = listed_files(daemon, diags);
  std::vector<PipelineFile> out;
  if (options.only) {
    out = read_wanted(files, daemon, options, diags);
  } else {
    out = read_files(files, daemon, options, diags);
    if (options.catalog) {
      out.reserve(out.size() + options.catalog->size());
      for (const auto& d : *options.catalog) out.push_back(read_catalog(d, daemon, options, diags));
    }
  }
  check_duplicate_ids(out);
  const NamingRules naming(daemon.naming);
  for (auto& f : out)
    if (f.pipeline) check_naming(*f.pipeline, naming, daemon.naming, f.diags);
  std::vector<DependencyFile> graph;
  for (auto& f : out)
    if (f.id_at) graph.push_back({&*f.pipeline, &f.diags});
  check_dependencies(graph);
  check_lineage(graph, daemon);
  return out;
}

// The daemon file and its pipeline files, each with its diagnostics.
struct Read {
  std::optional<DaemonConfig> daemon;  // none when its YAML could not be read
  Diagnostics diags;                   // the daemon file's
  std::vector<PipelineFile> files;
};

Read read_all(const fs::path& daemon_file, const LoadOptions& options) {
  Read r;
  r.daemon = read_daemon(daemon_file, options, r.diags);
  // Pipelines are checked even when the daemon file has errors: everything at once.
  if (r.daemon) r.files = read_pipelines(*r.daemon, options, r.diags);
  return r;
}

Diagnosed merged(Diagnosed all, Diagnosed more) {
  all.insert(all.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  return all;
}

Diagnosed every_error(const Read& r) {
  Diagnosed out = r.diags.sorted();
  for (const auto& f : r.files) out = merged(std::move(out), f.diags.sorted());
  return out;
}

// The Config of the valid files; the others quarantined (none under load_config).
Config assemble(Read r) {
  Config c{std::move(*r.daemon), {}, r.diags.sorted_warnings(), {}};
  c.pipelines.reserve(r.files.size());  // no spare room: a PipelineConfig is 1.7 KB
  for (auto& f : r.files) {
    c.warnings = merged(std::move(c.warnings), f.diags.sorted_warnings());
    if (f.diags.empty()) {
      c.pipelines.push_back(std::move(*f.pipeline));
      continue;
    }
    Quarantined q;
    q.pipeline.value = f.id_at             ? f.pipeline->id.value
                       : f.catalog_version ? f.file.string().substr(kCatalogPrefix.size())
                                           : f.file.stem().string();
    q.file = f.file;
    q.errors = f.diags.sorted();
    q.error = q.errors.front();
    c.quarantined.push_back(std::move(q));
  }
  return c;
}

}  // namespace

std::string catalog_file(std::string_view id) {
  return std::string(kCatalogPrefix) + std::string(id);
}

std::string catalog_location(const CatalogDefinition& d) {
  return catalog_file(d.id) + "@" + (d.version > 0 ? "v" + std::to_string(d.version) : "new");
}

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

const Fields* PipelineConfig::transform() const {
  return transform_fields ? &*transform_fields : fields.section("transform");
}

PipelineIndex index_pipelines(const Config& config) {
  PipelineIndex out;
  out.reserve(config.pipelines.size());
  for (const auto& p : config.pipelines) out.emplace(p.id.value, &p);
  return out;
}

const Quarantined* Config::find_quarantined(std::string_view id) const {
  for (const auto& q : quarantined) {
    if (q.pipeline.value == id) return &q;
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
  Read r = read_all(daemon_file, options);
  if (!r.daemon) return tl::unexpected(r.diags.sorted());
  if (auto errors = every_error(r); !errors.empty()) return tl::unexpected(std::move(errors));
  return assemble(std::move(r));
}

tl::expected<Config, Diagnosed> load_config_isolating(const std::filesystem::path& daemon_file,
                                                      const LoadOptions& options) {
  Read r = read_all(daemon_file, options);
  if (!r.daemon) return tl::unexpected(r.diags.sorted());
  if (!r.diags.empty()) return tl::unexpected(every_error(r));
  return assemble(std::move(r));
}

std::string config_error_text(const Quarantined& q) {
  return std::string("config error") +
         (q.kept_previous ? " (running the previous definition)" : "") + " " + to_string(q.error);
}

}  // namespace sluice::config
