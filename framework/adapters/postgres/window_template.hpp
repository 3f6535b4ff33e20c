#pragma once
// A statement with the placeholders of sql_template.hpp as PostgreSQL runs it: `:window_start`
// and `:window_end` become $1 and $2 (timestamptz), `:target_day` $3 (date), typed by OID and
// bound to one window. For SQL pipelines (sql_runner.cpp) and data checks (check_server.cpp).
#include <string>
#include <vector>

#include "framework/adapters/interfaces.hpp"
#include "framework/adapters/postgres/libpq.hpp"
#include "framework/adapters/sql_template.hpp"

namespace sluice::adapters::postgres {

std::string parameter_of(sql::Param p);
std::vector<std::string> window_parameters(const WindowContext& ctx);
extern const std::vector<Connection::ParamType> kWindowTypes;

}  // namespace sluice::adapters::postgres
