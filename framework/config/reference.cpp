// The Markdown key reference, generated from the key tables (`sluicectl config keys`).
#include <sstream>

#include "framework/adapters/registry.hpp"
#include "framework/config/keys.hpp"
#include "framework/schema/document_check.hpp"
#include "framework/schema/file_text.hpp"
#include "framework/schema/key_table.hpp"

namespace sluice::config {
namespace {

std::string cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

std::string doc_type(const KeySpec& spec) {
  std::string t = type_name(spec);
  for (std::string_view article : {"a ", "an "}) {
    if (t.rfind(article, 0) == 0) return t.substr(article.size());
  }
  return t;
}

std::string doc_default(const KeySpec& spec) {
  if (spec.default_value.empty()) return "";
  if (!spec.has_literal_default()) {
    return cell(spec.default_value.substr(1, spec.default_value.size() - 2));
  }
  return "`" + cell(spec.default_value) + "`";
}

std::string doc_secret(const KeySpec& spec) {
  switch (spec.secret) {
    case Secrecy::none: return "";
    case Secrecy::opaque: return "yes";
    case Secrecy::url: return "yes (password masked)";
  }
  return "";
}

void rows(std::ostream& out, const KeyTable& table, const std::string& prefix) {
  for (const auto& spec : table.keys) {
    const std::string name = prefix + std::string(spec.name);
    out << "| `" << name << "` | " << cell(doc_type(spec)) << " | " << doc_default(spec) << " | "
        << (spec.required ? "yes" : "") << " | " << doc_secret(spec) << " | "
        << (spec.planned ? "**Planned, not implemented yet** (accepted, has no effect; "
                           "`validate` warns). "
                         : "")
        << cell(spec.description) << " |\n";
    if (spec.section && (spec.type == KeyType::section || spec.type == KeyType::adapter_section))
      rows(out, *spec.section, name + ".");
    if (spec.section && spec.type == KeyType::section_list) rows(out, *spec.section, name + "[].");
  }
}

void table(std::ostream& out, const std::vector<const KeyTable*>& tables,
           const std::string& prefix) {
  out << "| key | type | default | required | secret | description |\n"
      << "|---|---|---|---|---|---|\n";
  for (const auto* t : tables) rows(out, *t, prefix);
  out << "\n";
}

void adapter_section(std::ostream& out, const adapters::AdapterInfo& a) {
  out << "### `" << a.kind << "`\n\n" << a.description << " Roles: " << a.roles_text() << ".\n\n";
  std::vector<const KeyTable*> connection = {&connection_common_keys()};
  connection.insert(connection.end(), a.connection_keys.begin(), a.connection_keys.end());
  out << "Connection (`connections.NAME`):\n\n";
  table(out, connection, "");
  if (a.can(adapters::Role::source)) {
    std::vector<const KeyTable*> source = {&source_common_keys()};
    source.insert(source.end(), a.source_keys.begin(), a.source_keys.end());
    out << "As a pipeline's `source`:\n\n";
    table(out, source, "source.");
  }
  if (a.can(adapters::Role::target)) {
    std::vector<const KeyTable*> target = {&target_common_keys(), &adapters::load_keys()};
    target.insert(target.end(), a.target_keys.begin(), a.target_keys.end());
    out << "As a pipeline's `target` (load modes: " << adapters::load_modes_text(a.load_modes)
        << "):\n\n";
    table(out, target, "target.");
  }
  // Said only where it differs from the copy target's keys.
  if (a.can(adapters::Role::sql) && a.sql_keys != a.target_keys) {
    std::vector<const KeyTable*> target = {&target_common_keys()};
    target.insert(target.end(), a.sql_keys.begin(), a.sql_keys.end());
    out << "As the `target` of a SQL pipeline (`kind: sql`):\n\n";
    table(out, target, "target.");
  }
}

}  // namespace

std::string render_key_reference() {
  std::ostringstream out;
  out << "# Configuration keys\n\n"
      << "Generated from the key tables by `sluicectl config keys`; the same tables validate "
         "the config.\n\n"
      << "- Durations: `30s`, `15m`, `2h`, `1d` (24 hours), `1w`, `1mo`, and compounds such as "
         "`1h30m`.\n"
      << "- Secret keys accept `${env:NAME}`, `${file:PATH}` (relative to the file) and "
         "`${credential:NAME}` (`$CREDENTIALS_DIRECTORY/NAME`, systemd `LoadCredential=`), "
         "alone or inside a text; `$${` is a literal `${`. Their values are never printed. A "
         "secret file is a regular file (not a FIFO, device, socket or directory) of at most "
         "64 KiB; one trailing newline is dropped.\n"
      << "- In a connection URL, what a reference holds is percent-encoded where it stands in "
         "the user name, password, path or a query value (`postgresql://app:${env:PW}@db/app` "
         "works whatever the password holds: write it raw, not encoded); in a libpq "
         "`key=value` string it is backslash-escaped. A password written in the URL itself "
         "must be encoded (`@` as `%40`, `/` as `%2F`, `%` as `%25`); a URL whose user "
         "information is ambiguous is an error.\n"
      << "- Config files are UTF-8 text of at most " << byte_size_text(kMaxConfigFileBytes)
      << ", one YAML document each; a key twice in one mapping is an error naming both "
         "places; nesting deeper than "
      << kMaxNestingDepth << " levels or more than " << kMaxDocumentNodes
      << " nodes with aliases expanded are refused.\n"
      << "- Paths are relative to the file that holds them.\n"
      << "- A key marked **Planned** is accepted for a feature this version does not have yet: "
         "nothing reads it, and `validate` (and `sluiced`, in its log) warns where one is set.\n"
      << "- Table and column names: letters, digits and `_`, not starting with a digit, "
         "`schema.table` at most; adapters quote them.\n\n";
  out << "## Daemon file\n\n" << daemon_keys().description << "\n\n";
  table(out, {&daemon_keys()}, "");
  out << "## Pipeline file\n\n"
      << pipeline_keys().description
      << " The keys of `source` and `target` beyond `connection` depend on the connection's "
         "kind (below).\n\n";
  table(out, {&pipeline_keys()}, "");
  out << "## Connections\n\n";
  for (const auto* a : adapters::registry()) adapter_section(out, *a);
  return out.str();
}

}  // namespace sluice::config
