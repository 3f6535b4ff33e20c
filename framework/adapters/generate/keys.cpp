// Synthetic rows for demos and benchmarks: no server, deterministic per (seed, window).
#include "framework/adapters/generate/generate.hpp"
#include "framework/adapters/registry.hpp"

using sluice::config::KeyTable;
using sluice::config::KeyType;

namespace sluice::adapters {
namespace {

const KeyTable& generate_connection_keys() {
  static const KeyTable t{"generate connection", "Nothing to connect to; only `kind`.", {}};
  return t;
}

const KeyTable& generate_source_keys() {
  static const KeyTable t{
      "generate source",
      "Rows spread evenly over the window, the same rows for the same seed and window.",
      {
          {.name = "rows_per_window",
           .type = KeyType::integer,
           .description = "Rows produced for each window.",
           .default_value = "1000",
           .min = 0,
           .max = 1e12},
          {.name = "seed",
           .type = KeyType::integer,
           .description = "Seed of the generator; the same seed and window give the same rows.",
           .default_value = "0",
           .min = 0},
          {.name = "time_column",
           .type = KeyType::column,
           .description = "Name of the generated timestamp column (the one a target counts by).",
           .default_value = "event_time"},
      }};
  return t;
}

}  // namespace

const config::Binding<generate::SourceOptions>& generate::source_binding() {
  using S = SourceOptions;
  static const config::Binding<S> b{generate_source_keys(),
                                    {
                                        {"rows_per_window", &S::rows_per_window},
                                        {"seed", &S::seed},
                                        {"time_column", &S::time_column},
                                    }};
  return b;
}

const AdapterInfo& generate_adapter() {
  static const AdapterInfo info{
      .kind = "generate",
      .description = "Synthetic source for demos and benchmarks.",
      .roles = {Role::source},
      .connection_keys = {&generate_connection_keys()},
      .source_keys = {&generate_source_keys()},
      .bindings = {&generate::source_binding()},
      .make_source = generate::source_from_config,
  };
  return info;
}

}  // namespace sluice::adapters
