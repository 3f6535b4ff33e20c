# Compiles sql/migrations/*.sql into the binaries, so a deployed sluicectl or sluiced needs
# no sql/ directory and always knows exactly the schema it was built for.
#
# Runs at configure time; every migration file is a configure dependency, so adding,
# editing or removing one regenerates the source at the next build. The output is only
# rewritten when it changes, so an unrelated reconfigure rebuilds nothing.
#
# Each migration carries the SHA-256 of its file's bytes, computed here with CMake's
# file(SHA256): the same digest `sha256sum sql/migrations/0001_x.sql` prints.

function(sluice_embed_migrations sql_dir output)
  file(GLOB files CONFIGURE_DEPENDS "${sql_dir}/*.sql")
  list(SORT files)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${files})

  set(entries "")
  set(expected 1)
  foreach(file IN LISTS files)
    get_filename_component(base "${file}" NAME)
    if(NOT base MATCHES "^([0-9][0-9][0-9][0-9])_([a-z0-9_]+)\\.sql$")
      message(FATAL_ERROR "${file}: a migration is named NNNN_lower_case_name.sql")
    endif()
    set(digits "${CMAKE_MATCH_1}")
    set(name "${CMAKE_MATCH_2}")
    math(EXPR version "1${digits} - 10000")
    if(NOT version EQUAL expected)
      message(FATAL_ERROR "${file}: expected migration number ${expected} here; migrations "
                          "are numbered 0001, 0002, ... without gaps or duplicates")
    endif()
    math(EXPR expected "${expected} + 1")

    file(READ "${file}" sql)
    file(SHA256 "${file}" checksum)
    if(sql MATCHES "\\)sluice_sql\"")
      message(FATAL_ERROR "${file}: contains the raw-string delimiter )sluice_sql\"")
    endif()
    string(APPEND entries
      "    {${version}, \"${name}\", \"${checksum}\",\n     R\"sluice_sql(${sql})sluice_sql\"},\n")
  endforeach()
  list(LENGTH files count)
  if(count EQUAL 0)
    message(FATAL_ERROR "${sql_dir}: no migrations found")
  endif()

  set(content "// Generated from sql/migrations by framework/store/embed_migrations.cmake.
// Do not edit: edit or add a migration file instead.
#include \"framework/store/embedded.hpp\"

namespace sluice::store::detail {

const EmbeddedMigration kEmbeddedMigrations[] = {
${entries}};

const std::size_t kEmbeddedMigrationCount = ${count};

}  // namespace sluice::store::detail
")
  file(WRITE "${output}.tmp" "${content}")
  configure_file("${output}.tmp" "${output}" COPYONLY)
endfunction()
