#pragma once
// Lineage: the tables pipelines read and write, and the edges between pipelines they imply.
// A pipeline whose source table is another pipeline's target table on the same connection
// reads what that one writes: an inferred edge, which its `depends_on` should declare (or its
// windows may run on data its upstream has not loaded yet). Pure: config in, edges out.
#include <optional>
#include <string>
#include <vector>

#include "framework/config/model.hpp"

namespace sluice::config {

// A table on a named connection, its schema filled in with the connection's default (see
// default_schema), so that `orders` and `public.orders` on a PostgreSQL connection are one
// table. Names compare exactly: adapters quote identifiers, so case matters.
struct TableRef {
  std::string connection;
  std::string schema;  // empty when the connection's default is unknown
  std::string name;

  std::string qualified() const;  // `schema.name`, or `name`
  std::string id() const;         // `connection:schema.name`: unique across connections
  auto operator<=>(const TableRef&) const = default;
};

// The schema an unqualified table name means on the connection: PostgreSQL `public` (sluice
// sets no search_path, and a server's default search_path finds unqualified tables in
// `public`), MySQL/MariaDB the connection's database (`database`, or the path of `url`),
// ClickHouse its `database` (`default` unless set); empty for other kinds.
std::string default_schema(const ConnectionConfig& connection);

// The table a pipeline's source reads (none for a query, a file, an HTTP API, generated rows)
// and the one its target loads (none for a file target).
std::optional<TableRef> source_table(const PipelineConfig& p, const DaemonConfig& daemon);
std::optional<TableRef> target_table(const PipelineConfig& p, const DaemonConfig& daemon);

struct LineageEdge {
  std::string upstream;    // its target is `table`
  std::string downstream;  // its source is `table`
  TableRef table;
  bool declared = false;  // the downstream lists the upstream in depends_on
  auto operator<=>(const LineageEdge&) const = default;
};

// Every inferred edge among `pipelines`, by downstream then upstream. A pipeline reading its
// own target makes no edge (the loader refuses it when the texts are the same).
std::vector<LineageEdge> infer_lineage(const std::vector<const PipelineConfig*>& pipelines,
                                       const DaemonConfig& daemon);

// What `validate` says of an undeclared edge, at the downstream's `source.table`:
// "reads orders_clean's target table public.int_orders_clean but does not depend on it: add
// `depends_on: [orders_clean]`".
std::string undeclared_edge_message(const LineageEdge& edge, const PipelineConfig& downstream);

}  // namespace sluice::config
