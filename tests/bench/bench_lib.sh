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

# bench_pg DATABASE: (re)starts the private cluster under var/bench-pg (server options from
# $SLUICE_PG_OPTIONS) with DATABASE made afresh, exported as PGDATABASE and
# SLUICE_DATABASE_URL. On exit the process whose id is in $pid (the benchmark's sluiced,
# when set) is stopped, then the cluster. Sets `cluster`.
bench_pg() {
  # shellcheck source=deploy/lib/pg.sh
  source deploy/lib/pg.sh
  cluster="$PWD/var/bench-pg"
  pid=""
  trap bench_stop EXIT
  pg_stop "$cluster"
  pg_start "$cluster" postgres
  PGOPTIONS='-c client_min_messages=warning' dropdb --if-exists "$1"
  createdb "$1"
  export PGDATABASE=$1 SLUICE_DATABASE_URL="postgresql://sluice@127.0.0.1:$PGPORT/$1"
}

bench_stop() {
  if [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; then wait "$pid" 2>/dev/null || true; fi
  pg_stop "$cluster"
}
