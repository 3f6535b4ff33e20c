#pragma once
#include <iosfwd>

namespace sluice::daemon {

// sluiced's whole life: options, config, schema check, event loop, drain.
int main(int argc, char** argv);

}  // namespace sluice::daemon
