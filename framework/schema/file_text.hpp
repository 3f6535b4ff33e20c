#pragma once
// Reading a file the configuration names (the daemon file, a pipeline file, a `${file:}` or
// `${credential:}` secret) without ever blocking: a FIFO with no writer, a device or a socket
// would hang `validate` and the daemon's start, and a huge file would fill memory.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace sluice::config {

// The whole content of `path` if it is a regular file (symbolic links followed) of at most
// `max_bytes`; otherwise why not: "PATH is a FIFO, not a regular file", "PATH is larger than
// 64 KiB", "cannot read PATH: No such file or directory".
tl::expected<std::string, std::string> read_regular_file(const std::filesystem::path& path,
                                                         std::size_t max_bytes);

// The offset of the first byte that is not part of well-formed UTF-8 (an overlong form, a
// surrogate or a code point past U+10FFFF included); none when the text is valid.
std::optional<std::size_t> first_invalid_utf8(std::string_view text);

// `64 KiB`, `8 MiB`: for messages.
std::string byte_size_text(std::size_t bytes);

}  // namespace sluice::config
