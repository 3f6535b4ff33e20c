#include "framework/config/lineage.hpp"

#include <algorithm>
#include <map>

#include "framework/schema/identifier.hpp"

namespace sluice::config {
namespace {

// The database of a `mysql://user:password@host:port/database?options` URL, as written
// (references unexpanded, so that `validate --skip-secrets` sees the same tables).
std::string url_database(const Secret& url) {
  std::string text = url.redacted();
  const auto scheme = text.find("://");
  if (scheme == std::string::npos) return {};
  text.erase(0, scheme + 3);
  text = text.substr(0, text.find('?'));
  const auto slash = text.find('/');
  return slash == std::string::npos ? std::string() : text.substr(slash + 1);
}

std::optional<TableRef> table_of(const EndpointConfig& endpoint, const DaemonConfig& daemon) {
  const auto* table = endpoint.params.get<std::string>("table");
  if (!table || endpoint.connection.empty()) return std::nullopt;
  const ConnectionConfig* connection = daemon.find_connection(endpoint.connection);
  if (!connection) return std::nullopt;  // reported by the loader
  auto parts = split_identifier(*table);
  TableRef ref{endpoint.connection, default_schema(*connection), std::move(parts.back())};
  if (parts.size() == 2) ref.schema = std::move(parts.front());
  return ref;
}

bool declares(const PipelineConfig& p, const std::string& upstream) {
  return std::any_of(p.depends_on.begin(), p.depends_on.end(),
                     [&](const Dependency& d) { return d.upstream.value == upstream; });
}

}  // namespace

std::string TableRef::qualified() const {
  return schema.empty() ? name : schema + "." + name;
}

std::string TableRef::id() const {
  return connection + ":" + qualified();
}

std::string default_schema(const ConnectionConfig& connection) {
  const std::string_view kind = connection.kind();
  if (kind == "postgres") return "public";
  if (kind == "clickhouse") return connection.params.string_or("database", "default");
  if (kind == "mysql") {
    if (const auto* database = connection.params.get<std::string>("database")) return *database;
    if (const auto* url = connection.params.get<Secret>("url")) return url_database(*url);
  }
  return {};
}

std::optional<TableRef> source_table(const PipelineConfig& p, const DaemonConfig& daemon) {
  return table_of(p.source, daemon);
}

std::optional<TableRef> target_table(const PipelineConfig& p, const DaemonConfig& daemon) {
  return table_of(p.target, daemon);
}

std::vector<LineageEdge> infer_lineage(const std::vector<const PipelineConfig*>& pipelines,
                                       const DaemonConfig& daemon) {
  std::multimap<TableRef, const PipelineConfig*> writers;
  for (const auto* p : pipelines)
    if (auto t = target_table(*p, daemon)) writers.emplace(std::move(*t), p);
  std::vector<LineageEdge> out;
  for (const auto* reader : pipelines) {
    const auto read = source_table(*reader, daemon);
    if (!read) continue;
    const auto [first, last] = writers.equal_range(*read);
    for (auto it = first; it != last; ++it) {
      const PipelineConfig& writer = *it->second;
      if (&writer == reader) continue;
      out.push_back({writer.id.value, reader->id.value, *read, declares(*reader, writer.id.value)});
    }
  }
  std::sort(out.begin(), out.end(), [](const LineageEdge& a, const LineageEdge& b) {
    return std::tie(a.downstream, a.upstream) < std::tie(b.downstream, b.upstream);
  });
  return out;
}

std::string undeclared_edge_message(const LineageEdge& edge, const PipelineConfig& downstream) {
  const std::string how = downstream.depends_on.empty()
                              ? "add `depends_on: [" + edge.upstream + "]`"
                              : "add " + edge.upstream + " to its depends_on";
  return "reads " + edge.upstream + "'s target table " + edge.table.qualified() +
         " but does not depend on it: " + how;
}

}  // namespace sluice::config
