#pragma once
// A target's load of the stage file through its own start_load(): the staged blocks put one
// by one, then committed. What the targets that take rows as they come do when the chain
// loads from the stage file (a retry, or a streamed attempt that failed).
#include "framework/adapters/interfaces.hpp"

namespace sluice::adapters {

Result<Loaded> load_from_stage(Target& target, const WindowContext& ctx, StageReader& staged);

}  // namespace sluice::adapters
