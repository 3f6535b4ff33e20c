# Compiles the web console (daemon/console/**) into sluiced: nothing to install beside the
# binary, nothing fetched by the browser from elsewhere. Each file is embedded as it is and
# gzip-compressed (level 9, by CMake's libarchive), with a strong ETag from its SHA-256.
#
# Runs at configure time; every console file is a configure dependency, so an edit
# regenerates the source at the next build. The output is rewritten only when it changes.

function(sluice_embed_console console_dir output)
  file(GLOB_RECURSE files CONFIGURE_DEPENDS "${console_dir}/*.html" "${console_dir}/*.css"
       "${console_dir}/*.mjs" "${console_dir}/*.js" "${console_dir}/*.svg"
       "${console_dir}/*.ico" "${console_dir}/*.json")
  list(SORT files)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${files})
  set(work "${CMAKE_CURRENT_BINARY_DIR}/generated/console")
  file(MAKE_DIRECTORY "${work}")

  set(entries "")
  set(index 0)
  foreach(file IN LISTS files)
    file(RELATIVE_PATH relative "${console_dir}" "${file}")
    if(relative STREQUAL "index.html")
      set(path "/")
    else()
      set(path "/console/${relative}")
    endif()
    get_filename_component(extension "${file}" LAST_EXT)
    if(extension STREQUAL ".html")
      set(type "text/html; charset=utf-8")
    elseif(extension STREQUAL ".css")
      set(type "text/css; charset=utf-8")
    elseif(extension STREQUAL ".mjs" OR extension STREQUAL ".js")
      set(type "text/javascript; charset=utf-8")
    elseif(extension STREQUAL ".svg")
      set(type "image/svg+xml")
    elseif(extension STREQUAL ".ico")
      set(type "image/x-icon")
    else()
      set(type "application/json")
    endif()
    # A copy under a fixed name and time, so the gzip stream depends on the bytes only.
    set(copy "${work}/${index}")
    file(COPY_FILE "${file}" "${copy}")
    file(ARCHIVE_CREATE OUTPUT "${copy}.gz" PATHS "${copy}" FORMAT raw COMPRESSION GZip
         COMPRESSION_LEVEL 9 MTIME 0)
    file(READ "${file}" plain HEX)
    file(READ "${copy}.gz" packed HEX)
    file(SHA256 "${file}" digest)
    string(SUBSTRING "${digest}" 0 20 etag)
    file(SIZE "${file}" plain_length)
    file(SIZE "${copy}.gz" packed_length)
    string(REGEX REPLACE "(..)" "\\\\x\\1" plain "${plain}")
    string(REGEX REPLACE "(..)" "\\\\x\\1" packed "${packed}")
    string(APPEND entries
      "    {\"${path}\", \"${type}\", \"\\\"${etag}\\\"\",\n"
      "     {\"${plain}\", ${plain_length}},\n"
      "     {\"${packed}\", ${packed_length}}},\n")
    math(EXPR index "${index} + 1")
  endforeach()

  set(content "// Generated from daemon/console/ by daemon/api/embed_console.cmake; edit those files.
#include \"daemon/api/console.hpp\"

namespace sluice::api {

std::span<const ConsoleAsset> console_assets() {
  static const ConsoleAsset assets[] = {
${entries}  };
  return assets;
}

}  // namespace sluice::api
")
  if(index EQUAL 0)
    message(FATAL_ERROR "${console_dir}: no console files to embed")
  endif()
  set(old "")
  if(EXISTS "${output}")
    file(READ "${output}" old)
  endif()
  if(NOT old STREQUAL content)
    file(WRITE "${output}" "${content}")
  endif()
endfunction()
