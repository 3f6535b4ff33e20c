#pragma once
// Transforms on the way from the source to the stage (the seed's column mapping, type
// conversion and computed columns): the pipeline's `transform.columns` list the output
// columns in order, each one a source column (renamed and cast if asked), a value computed
// per window, or a SQL expression the target evaluates as it loads. A RowSink wrapper applies
// the first two between the source and the stage, so the stage, the target and the audit see
// the transformed rows; the target adds the SQL columns to each row it loads
// (adapters::Target::compute_columns).
#include <optional>
#include <string>
#include <vector>

#include "framework/adapters/interfaces.hpp"
#include "framework/adapters/registry.hpp"
#include "framework/adapters/rows.hpp"
#include "framework/schema/diagnostic.hpp"
#include "framework/schema/fields.hpp"
#include "framework/schema/key_table.hpp"
#include "framework/time/field_template.hpp"

namespace sluice::transform {

// What a value must be; the text is checked and written in the form PostgreSQL, MariaDB and
// ClickHouse all read: integers and numbers as written (a leading `+` dropped), booleans
// `true`/`false`, timestamps `YYYY-MM-DD HH:MM:SS[.ffffff]+00`, dates `YYYY-MM-DD`.
enum class Cast { none, text, integer, number, boolean, timestamp, date };

struct OutputColumn {
  std::string name;
  std::string from;  // the source column; empty when computed
  Cast cast = Cast::none;
  std::optional<time::FieldTemplate> value;  // computed per window
  config::Location where;                    // of the column in the pipeline file
  std::optional<std::string> sql;            // evaluated by the target over the loaded columns

  bool loaded() const { return !sql; }  // staged and loaded, rather than computed by the target
};

struct Spec {
  // Empty, or only SQL columns: the source's rows are staged and loaded unchanged.
  std::vector<OutputColumn> columns;

  bool reshapes_rows() const;
  // The SQL columns, for the target to compute.
  std::vector<adapters::ComputedColumn> computed_by_target() const;
};

// The pipeline's `transform` section.
const config::KeyTable& transform_keys();
// Rules the key table cannot say alone (`from`, `value` or `sql`, names unique, a SQL
// expression only for a `target` whose adapter evaluates one, and one expression each); a
// valid section becomes the Spec. `target` is null when the pipeline's target is unknown.
Spec build_spec(const config::Fields& transform, const adapters::AdapterInfo* target,
                config::Diagnostics& diags);

// The text `value` becomes under `cast`; an Error (permanent: the data will not change)
// says why it cannot.
Result<std::string> cast_value(Cast cast, std::string_view value);

// Applies `spec` to the rows on their way to `next`. A source column the spec names that the
// source does not have is a permanent error at begin(), naming the column, its place in the
// pipeline file and the columns there are.
class TransformSink final : public adapters::RowSink {
 public:
  TransformSink(const Spec& spec, const time::TemplateContext& window, adapters::RowSink& next);

  Result<void> begin(std::span<const adapters::Column> columns) override;
  Result<void> row(std::span<const adapters::Field> fields) override;
  Result<void> end() override { return next_.end(); }
  // Without columns to reshape, the source's COPY text blocks go through untouched.
  Result<void> copy_block(std::string_view block, std::int64_t rows) override {
    if (loaded_.empty()) return next_.copy_block(block, rows);
    return RowSink::copy_block(block, rows);
  }

 private:
  const Spec& spec_;
  adapters::RowSink& next_;
  std::vector<const OutputColumn*> loaded_;  // the spec's columns the sink writes; none: all
  std::vector<std::string> computed_;        // per loaded column, its rendered value
  std::vector<int> source_index_;            // per loaded column, -1 when computed
  std::vector<std::string> cast_;            // cast values of the current row
  std::vector<adapters::Field> out_;
  std::int64_t rows_ = 0;
};

}  // namespace sluice::transform
