#pragma once
// Where the password sits in a connection text (a `scheme://user:pw@host/db?k=v` URL or a
// libpq `key=value` string): to mask it when shown, to scrub it from the errors of the code
// that connects, and to escape what a `${...}` reference substitutes into it.
#include <string>
#include <string_view>
#include <vector>

namespace sluice::config {

// `${env:PW}` and nothing else: a reference is no secret, so it may be shown as written.
bool is_lone_reference(std::string_view text);

// Masks the password of a URL (`scheme://user:PASSWORD@host`), credential-like query
// parameters (`?password=`, `token=`...) and libpq key=value strings (`password=...`); a
// password written as a `${...}` reference is kept, the reference being no secret. Text that
// is none of these (or a lone reference) comes back as `<redacted>` (or as written).
std::string redact_credentials(std::string_view text);

// A config scalar as a diagnostic may quote it: as written, unless it holds a credential
// (a URL's password, a secret parameter), which is masked as `config show` masks it; cut
// at `max` bytes.
std::string shown_scalar(std::string_view text, std::size_t max = 200);

// The substrings of a connection text that are credentials, as written and decoded (a URL's
// password, the values of secret query parameters, libpq `password=` values); references
// excluded. Empty when the text holds none.
std::vector<std::string> credential_parts(std::string_view text);

// `message` with every credential of `connection_text` replaced by `<redacted>`, and the
// password of every URL or `password=` pair the message itself quotes masked: for the
// errors of libpq, libmariadb and libcurl, which may quote what they failed to parse.
std::string scrub_credentials(std::string_view message, std::string_view connection_text = {});
// The same with one secret known by its value (a password given apart from any URL).
std::string scrub_secret(std::string_view message, std::string_view secret);

// Why a connection URL cannot be split into user, password and host without guessing ("" when
// it can): a second `@`, an `@` after the host (the password held `/`, `?` or `#`), a `%` that
// is no `%XX` escape, a space or control character before the host. The reason quotes nothing.
std::string url_userinfo_problem(std::string_view url);

// What a reference expands into, escaped for the place it stands in a connection text:
// percent-encoded in a URL's user information, path or query value; backslash-escaped in a
// libpq value. Elsewhere (the host, a lone reference) it is pasted as it is.
enum class Slot { raw, url_userinfo, url_path, url_query_value, conninfo_value };

// The slot of each `${...}` reference of `written`, in order (`$${` is no reference).
std::vector<Slot> reference_slots(std::string_view written);
std::string escape_for(Slot slot, std::string_view value);

}  // namespace sluice::config
