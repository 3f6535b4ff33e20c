#pragma once
// A pipeline file's top-level `id`, read from its text without parsing the YAML: what lets a
// command that names a few pipelines build only their files (load.hpp, LoadOptions::only).
#include <optional>
#include <string>
#include <string_view>

namespace sluice::config {

// The id when the text is a plain block mapping whose one top-level `id:` line holds a
// plain or quoted scalar of letters, digits, `_`, `.` and `-` on that line alone; none when a
// reading of the text alone could be wrong (flow or complex keys, tags, anchors, tabs, a
// second document, a value continued on the next line...). Only "none" may be wrong in the
// sense of "unsure": a returned id is the one the YAML parser would find, or the file has
// no valid id at all.
std::optional<std::string> scanned_id(std::string_view text);

}  // namespace sluice::config
