#pragma once
// What records.cpp and record_batches.cpp share: the statements' pieces behind store::Records.
// Not for other callers: they go through Records (records.hpp).
#include <string>
#include <string_view>

#include <pqxx/connection>
#include <pqxx/result>
#include <pqxx/row>

#include "framework/store/params.hpp"
#include "framework/store/records.hpp"

namespace sluice::store::detail {

// Prepared once per connection (libpqxx prepares lazily, at the first execution), then one
// round trip per call.
pqxx::result execute(pqxx::connection& connection, const Statement& s);

// A task's fenced UPDATE with its event row, parameters $1..$20 (write_params; the audit's
// checks $21..$26).
std::string write_statement(Task task);

// The 20 parameters of a task write (26 for the audit's, with its checks). Throws
// std::logic_error for a move that is not the lock holder's to make.
SqlParams write_params(const Record& record, const TaskWrite& write, std::string_view holder);

// A row of claim_statement or claim_windows_statement.
Record claimed_record(const pqxx::row& row);

}  // namespace sluice::store::detail
