#!/usr/bin/env bash
# The OpenAPI document the daemon serves, linted with @redocly/cli (pinned in
# tests/lint/openapi/package-lock.json; deploy/test.sh runs `npm ci` there first).
#   openapi_lint.sh SOURCE_DIR
set -euo pipefail
dir="$1/tests/lint/openapi"
if [ ! -x "$dir/node_modules/.bin/redocly" ]; then
  echo "openapi_lint: run 'npm ci' in $dir first (deploy/test.sh does)" >&2
  exit 1
fi
cd "$dir"
./node_modules/.bin/redocly lint --config redocly.yaml --format=stylish \
  "$1/daemon/api/openapi/openapi.json"
