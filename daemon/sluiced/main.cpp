#include "daemon/sluiced/app.hpp"

int main(int argc, char** argv) {
  return sluice::daemon::main(argc, argv);
}
