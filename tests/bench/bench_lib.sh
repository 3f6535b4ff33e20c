# Sourced by the tests/bench/*_bench.sh scripts, from the repository's root.

# bench_build TARGET...: configures the Release benchmark build under build/bench (no
# sanitizers; $CMAKE_CXX_COMPILER_LAUNCHER, e.g. ccache, is honoured) and builds TARGETs.
# Sets `build`.
bench_build() {
  build=build/bench
  local t0=$SECONDS
  echo "== building Release in $build"
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DSLUICE_BENCH=ON -DSLUICE_SANITIZE=OFF \
    -DSLUICE_WERROR=OFF -DSLUICE_TESTS=ON >/dev/null
  cmake --build "$build" -j "${SLUICE_JOBS:-2}" --target "$@" >/dev/null
  echo "   built in $((SECONDS - t0)) s"
}

# bench_work_dir: a fresh scratch directory for the benchmark, exported as
# SLUICE_BENCH_WORK_DIR (the caller removes it).
bench_work_dir() {
  export SLUICE_BENCH_WORK_DIR="$PWD/var/bench-work"
  rm -rf "$SLUICE_BENCH_WORK_DIR"
  mkdir -p "$SLUICE_BENCH_WORK_DIR"
}
