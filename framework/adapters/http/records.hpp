#pragma once
// From a page of JSON to rows: the records array at a JSON pointer, and one column per JSON
// pointer within a record. Values become text the way a target's COPY reads them: strings as
// they are, numbers and booleans as JSON writes them, null or missing as NULL, objects and
// arrays as their JSON text.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "framework/adapters/rows.hpp"
#include "framework/core/error.hpp"
#include "framework/schema/fields.hpp"

namespace sluice::adapters::http {

class RecordMapping {
 public:
  // `columns`: column name -> JSON pointer within a record, in order. An invalid pointer is a
  // permanent error naming the column (config load checks the syntax first).
  static Result<RecordMapping> make(const config::NamedStrings& columns);

  const std::vector<Column>& columns() const { return columns_; }

  // Renders the record's fields into `texts` and points `fields` at them (NULL for null or
  // missing). A record that is not an object is a permanent error.
  Result<void> map(const nlohmann::json& record, std::vector<std::string>& texts,
                   std::vector<Field>& fields) const;

 private:
  std::vector<Column> columns_;
  std::vector<nlohmann::json::json_pointer> pointers_;
};

// The array of records at `pointer` ("" is the whole body); a permanent error saying what is
// there instead when it is not an array.
Result<const nlohmann::json*> records_at(const nlohmann::json& body, const std::string& pointer);

// `an object`, `a number`: a value's type for messages.
std::string a_type_name(const nlohmann::json& value);

// Text of one value: false for null (SQL NULL).
bool value_text(const nlohmann::json& value, std::string& out);

}  // namespace sluice::adapters::http
