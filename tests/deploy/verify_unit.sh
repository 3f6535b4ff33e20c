#!/usr/bin/env bash
# systemd-analyze verify on the unit as installed, its binaries pointed at the build tree's
# (verify checks that ExecStart exists). Works without systemd as PID 1 (containers, CI).
#   verify_unit.sh UNIT BUILT_BINDIR
set -euo pipefail
unit=$1
bindir=$(realpath "$2")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed -E "s#^(Exec[A-Za-z]*=)[^ ]*/(sluice[a-z]*)#\1$bindir/\2#" "$unit" >"$tmp/sluiced.service"
grep -q "^ExecStart=$bindir/sluiced " "$tmp/sluiced.service" || { echo "no ExecStart to rewrite" >&2; exit 1; }
out=$(SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no "$tmp/sluiced.service" 2>&1) || {
  echo "$out" >&2
  exit 1
}
# Warnings about this unit fail the test too; ones about other units of the host do not.
if echo "$out" | grep "sluiced.service"; then exit 1; fi
echo "systemd-analyze verify: sluiced.service OK"
