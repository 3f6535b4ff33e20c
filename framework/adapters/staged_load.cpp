#include "framework/adapters/staged_load.hpp"

namespace sluice::adapters {

Result<Loaded> load_from_stage(Target& target, const WindowContext& ctx, StageReader& staged) {
  auto started = target.start_load(ctx, staged.manifest().columns);
  if (!started) return fail(started.error());
  if (!*started) return fail(Error::permanent("the target cannot take the staged rows"));
  auto& load = **started;
  for (;;) {
    auto block = staged.next_block();
    if (!block) return fail(block.error());
    if (block->empty()) break;
    if (auto r = load.put(*block); !r) return fail(r.error());
  }
  if (auto r = load.commit(); !r) return fail(r.error());
  return Loaded{.rows = staged.manifest().rows, .held = load.held(), .reported = load.reported()};
}

}  // namespace sluice::adapters
