#include <iostream>

#include "daemon/ctl/context.hpp"

int main(int argc, char** argv) {
  return sluice::ctl::main(argc, argv, std::cout, std::cerr);
}
