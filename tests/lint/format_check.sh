#!/usr/bin/env bash
# Every C++ source of the tree is as clang-format (.clang-format at the root) writes it:
# prints the places that are not and fails. Fix with: clang-format -i FILE...
set -euo pipefail
cd "$1"
mapfile -d '' files < <(find framework tasks daemon tests -name build -prune -o \
  \( -name '*.cpp' -o -name '*.hpp' \) -print0)
[ ${#files[@]} -gt 100 ] || { echo "format check: only ${#files[@]} files found under $1" >&2; exit 1; }
clang-format --dry-run --Werror "${files[@]}"
echo "format check: ${#files[@]} files as clang-format writes them"
