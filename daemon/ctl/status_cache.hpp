#pragma once
// What `sluicectl status` reads of a load of every pipeline, kept between calls: at 10,000
// pipelines the load (reading and checking every file) is 1.5 s of a 1.9 s status, and an
// operator runs status far more often than they edit a file. As ccache's manifests do, the
// entry is keyed by what the load read, checked for every call: this executable, the daemon
// file's text, every pipeline file's size, times and inode (stat, not read), and the
// catalog's ids, versions and checksums. Any difference is a miss: the load runs in full and
// the entry is written again. A pipeline file that refers to a secret (`${...}`), whose
// value the key cannot see, and a file changed in the last second (its times may not show a
// second change) keep the entry from being written.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "framework/config/model.hpp"
#include "framework/store/catalog.hpp"

namespace sluice::ctl {

// $SLUICE_CACHE_DIR, else $XDG_CACHE_HOME/sluice, else $HOME/.cache/sluice, with a file per
// daemon file (its absolute path hashed); none without any of them.
std::optional<std::filesystem::path> status_cache_file(const std::filesystem::path& daemon_file);

// What the entry must match: a digest (XXH3, 128 bits) of the executable's and each pipeline
// file's stat (`pipeline_files`, as config::pipeline_files lists `pipelines_dir`), the daemon
// file's path and text, and the catalog's ids, versions and checksums
// (`catalog`: null when the files were loaded alone).
struct StatusCacheKey {
  std::string digest;
  std::int64_t newest_change_ns = 0;  // of a pipeline file's mtime and ctime
  bool every_file_stated = true;
  bool catalog_secrets = false;  // a catalog definition refers to a secret

  auto operator<=>(const StatusCacheKey&) const = default;
};
StatusCacheKey status_cache_key(const std::filesystem::path& daemon_file,
                                const std::string& daemon_text,
                                const std::filesystem::path& pipelines_dir,
                                const std::vector<std::filesystem::path>& pipeline_files,
                                const std::vector<store::Definition>* catalog);

// The config status reads (ids, files, descriptions, zones, windows, tags, pauses, pools,
// priorities, depends_on, whether run_if is set, the quarantined files and their errors;
// nothing else of a pipeline is filled), `daemon` as given; none on any miss or an entry that
// cannot be read.
std::optional<config::Config> read_status_cache(const std::filesystem::path& file,
                                                const StatusCacheKey& key,
                                                config::DaemonConfig daemon);

// Writes the entry (a private file, replaced whole), unless a file the load read refers to a
// secret or changed within the last second, or the files changed during the load
// (`key_after`, taken again, differs). Returns whether it wrote; failing to is not an error.
bool write_status_cache(const std::filesystem::path& file, const StatusCacheKey& key,
                        const StatusCacheKey& key_after, const config::Config& config);

}  // namespace sluice::ctl
