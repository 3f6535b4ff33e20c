#!/usr/bin/env bash
# `cpack -G DEB` on the build tree builds a .deb whose listing holds the binaries, the unit,
# the example config and the migrations.
#   cpack_deb.sh BUILD_DIR
set -euo pipefail
build=$(realpath "$1")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cpack -G DEB -D CPACK_DEBIAN_COMPRESSION_TYPE=none -B "$out" --config "$build/CPackConfig.cmake" >"$out/cpack.log" 2>&1 || { cat "$out/cpack.log" >&2; exit 1; }
deb=$(ls "$out"/sluice_*.deb)
listing=$(dpkg-deb -c "$deb")
prefix=$(sed -n 's/^set(CPACK_PACKAGING_INSTALL_PREFIX "\(.*\)")$/\1/p' "$build/CPackConfig.cmake")
status=0
for path in bin/sluiced bin/sluicectl lib/systemd/system/sluiced.service share/sluice/sql/migrations/0001_pipeline_records.sql \
  share/doc/sluice/README.md; do
  if ! grep -q " \.$prefix/$path\$" <<<"$listing"; then echo "missing from $deb: $prefix/$path" >&2; status=1; fi
done
grep -q "/sluice/sluice.yaml\$" <<<"$listing" || { echo "missing from $deb: the example sluice.yaml" >&2; status=1; }
dpkg-deb -f "$deb" Package Version Depends
[ $status -eq 0 ] && echo "$(basename "$deb"): $(wc -l <<<"$listing") entries"
exit $status
