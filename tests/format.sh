#!/bin/sh
# tests/format.sh -- every C file follows the house .clang-format
#
# Runs clang-format --dry-run -Werror over the tracked .c/.h files.  Says
# "skipped" and passes when clang-format or git is missing (a user's
# machine); CI installs clang-format through scripts/install-deps.sh.
cd "$(dirname "$0")/.." || exit 1
if ! command -v clang-format >/dev/null 2>&1 || ! git rev-parse >/dev/null 2>&1; then
  echo "skipped: clang-format or git not available"
  echo "0 passed, 0 failed"
  exit 0
fi
files=$(git ls-files '*.c' '*.h')
bad=$(clang-format --dry-run -Werror $files 2>&1 | grep -o '^[^:]*:[0-9]*:[0-9]*: error' | cut -d: -f1 | sort -u)
n=$(echo "$files" | wc -w)
nb=$(echo "$bad" | grep -c . || true)
for f in $bad; do echo "not formatted: $f (run: make format)"; done
echo "$((n - nb)) passed, $nb failed"
[ "$nb" -eq 0 ]
