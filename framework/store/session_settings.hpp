#pragma once
// The session settings every PostgreSQL session of sluice runs under, the store's and the
// adapters' alike. Values cross as text (COPY, timestamps in SQL, counts), and the text of a
// date, an interval, a float, a bytea or a string depends on the session: with a database
// default of `DateStyle = 'SQL, DMY'` a source writes 04/03/2024 and a target in MDY reads
// it as April 3. So the session states what the codec relies on, whatever the server, the
// database, the role or the environment say.
//
// How: the settings go into the startup packet (`options`, `client_encoding`), where they
// outrank `ALTER DATABASE/ROLE ... SET` and postgresql.conf from the first statement on.
// Only libpq's PGDATESTYLE and PGTZ environment variables come later in that packet and win;
// both settings are reported by the server, so a session can tell and SET them back.
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::store {

// `given` (an `options` the URL carries, perhaps empty) followed by `-c name=value` of every
// pinned setting, so that ours win where both name one.
std::string pinned_options(std::string_view given);

// The value of libpq's `client_encoding` keyword: outranks PGCLIENTENCODING.
inline constexpr const char* kClientEncoding = "UTF8";

// One statement that SETs every pinned setting, for a session that started without them.
std::string pinned_set_statement();

// The pinned settings the server reports (ParameterStatus) whose value differs; `reported`
// gives a setting's reported value, nullopt if it has none. Empty: the session is as pinned.
std::string drifted_settings(
    const std::function<std::optional<std::string>(const char* name)>& reported);

}  // namespace sluice::store
