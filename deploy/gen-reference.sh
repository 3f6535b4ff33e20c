#!/usr/bin/env bash
# Rewrites the README's configuration reference from the key tables that validate the config
# (`sluicectl config keys`, headings two levels down). An e2e test fails when the README and the
# tables disagree, so run this after changing a key table.
#   deploy/gen-reference.sh [path/to/sluicectl]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-}
if [ -z "$bin" ]; then
  for candidate in build/release build/dev build/test; do
    [ -x "$candidate/daemon/sluicectl" ] && bin=$candidate/daemon/sluicectl && break
  done
fi
[ -n "$bin" ] || { echo "gen-reference: no built sluicectl; pass its path" >&2; exit 2; }

begin='<!-- BEGIN KEY REFERENCE (deploy/gen-reference.sh) -->'
end='<!-- END KEY REFERENCE -->'
grep -qF "$begin" README.md || { echo "gen-reference: README.md lacks the line: $begin" >&2; exit 1; }
reference=$(mktemp)
trap 'rm -f "$reference"' EXIT
"$bin" config keys | sed 's/^#/###/' > "$reference"
awk -v begin="$begin" -v end="$end" -v file="$reference" '
  $0 == begin { print; while ((getline line < file) > 0) print line; skip = 1; next }
  $0 == end { skip = 0 }
  !skip { print }' README.md > README.md.new
mv README.md.new README.md
echo "README.md: key reference rewritten from $bin"
