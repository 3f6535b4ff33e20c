// For the config fuzz target: the adapters' factories and probes, which the registry's rows
// name and the loader never calls. Linking the real ones would compile every adapter (and
// libpq, libmariadb, libcurl...) into the target; these fail if ever called.
#include "framework/adapters/clickhouse/clickhouse.hpp"
#include "framework/adapters/file/file.hpp"
#include "framework/adapters/generate/generate.hpp"
#include "framework/adapters/http/source.hpp"
#include "framework/adapters/mysql/mysql.hpp"
#include "framework/adapters/postgres/postgres.hpp"

namespace sluice::adapters {
namespace {

template <class T>
Result<T> not_here() {
  __builtin_trap();  // the loader called a factory: the fuzz target's premise is wrong
}

}  // namespace

#define SLUICE_FUZZ_STUB_ADAPTER(NS)                                                      \
  Result<std::unique_ptr<Source>> NS::source_from_config(const config::ConnectionConfig&, \
                                                         const config::EndpointConfig&) { \
    return not_here<std::unique_ptr<Source>>();                                           \
  }
#define SLUICE_FUZZ_STUB_TARGET(NS)                                                       \
  Result<std::unique_ptr<Target>> NS::target_from_config(const config::ConnectionConfig&, \
                                                         const config::EndpointConfig&) { \
    return not_here<std::unique_ptr<Target>>();                                           \
  }
#define SLUICE_FUZZ_STUB_PROBE(NS)                                 \
  Result<std::string> NS::probe(const config::ConnectionConfig&) { \
    return not_here<std::string>();                                \
  }

SLUICE_FUZZ_STUB_ADAPTER(postgres)
SLUICE_FUZZ_STUB_TARGET(postgres)
SLUICE_FUZZ_STUB_PROBE(postgres)
SLUICE_FUZZ_STUB_ADAPTER(mysql)
SLUICE_FUZZ_STUB_PROBE(mysql)
SLUICE_FUZZ_STUB_ADAPTER(clickhouse)
SLUICE_FUZZ_STUB_TARGET(clickhouse)
SLUICE_FUZZ_STUB_PROBE(clickhouse)
SLUICE_FUZZ_STUB_ADAPTER(file)
SLUICE_FUZZ_STUB_TARGET(file)
SLUICE_FUZZ_STUB_PROBE(file)
SLUICE_FUZZ_STUB_ADAPTER(http)
SLUICE_FUZZ_STUB_PROBE(http)
SLUICE_FUZZ_STUB_ADAPTER(generate)

}  // namespace sluice::adapters
