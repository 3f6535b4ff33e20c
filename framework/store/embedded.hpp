#pragma once
// The migrations compiled into this binary, generated from sql/migrations at build time
// (framework/store/embed_migrations.cmake). Use store::embedded_migrations() instead.
#include <cstddef>

namespace sluice::store::detail {

struct EmbeddedMigration {
  int version;
  const char* name;
  const char* checksum;  // SHA-256 of the file's bytes, lower-case hex
  const char* sql;
};

extern const EmbeddedMigration kEmbeddedMigrations[];
extern const std::size_t kEmbeddedMigrationCount;

}  // namespace sluice::store::detail
